package io.herald;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TenantWorkTest {
    @Test
    void run_work_runsOnAPlatformThreadOfThePool_andReturnsItsResult() {
        Thread caller = Thread.currentThread();

        Thread ranOn = TenantWork.run("test", Duration.ofSeconds(5), Thread::currentThread);

        assertThat(ranOn).isNotSameAs(caller);
        assertThat(ranOn.isVirtual()).isFalse();
        assertThat(ranOn.getName()).startsWith("herald-tenant-work-");
    }

    @Test
    void run_workThatThrows_throwsTheSameToTheCaller() {
        assertThatThrownBy(() -> TenantWork.run("test", Duration.ofSeconds(5), () -> {
            throw new HeraldException.InvalidInput("payload", "bad");
        })).isInstanceOf(HeraldException.InvalidInput.class).hasMessage("payload: bad");
    }

    @Test
    void run_workPastItsLimit_isInterruptedAndReportedAsOverBudget() {
        long started = System.nanoTime();

        assertThatThrownBy(() -> TenantWork.run("the spinning work", Duration.ofMillis(200), () -> {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            return null;
        })).isInstanceOf(BudgetExceeded.class).hasMessageStartingWith("the spinning work ran for more than");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        // The interrupted thread is back in the pool and takes new work.
        assertThat(TenantWork.run("test", Duration.ofSeconds(5), () -> 42)).isEqualTo(42);
    }

    @Test
    void run_workThatSpentMostOfItsLimitWaitingForAThread_isOverloaded_notOverBudget() throws Exception {
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            // Every thread busy for 400 ms: the next task waits about that long before it starts.
            CountDownLatch busy = new CountDownLatch(TenantWork.THREADS);
            for (int i = 0; i < TenantWork.THREADS; i++) {
                callers.submit(() -> TenantWork.run("a blocker", Duration.ofSeconds(10), () -> {
                    busy.countDown();
                    try {
                        Thread.sleep(400);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                }));
            }
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> TenantWork.run("the late work", Duration.ofMillis(600), () -> {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait();
                }
                return null;
            })).isInstanceOf(HeraldException.Overloaded.class)
                    .hasMessageStartingWith("Herald is busy: the late work waited").hasMessageContaining("try again later");
        } finally {
            callers.close();
        }
    }

    @Test
    void run_fromInsideThePool_runsInlineInsteadOfWaitingForItself() {
        String inner = TenantWork.run("outer", Duration.ofSeconds(5), () -> {
            Thread outer = Thread.currentThread();
            return TenantWork.run("inner", Duration.ofSeconds(5), () -> Thread.currentThread() == outer ? "inline" : "other");
        });

        assertThat(inner).isEqualTo("inline");
    }

    @Test
    void run_whenEveryThreadIsBusyAndTheQueueFull_isOverloadedAtOnce_andRecovers() throws Exception {
        // The pool is the process's: work an earlier test left running (a node's checks ending)
        // would take threads, so that blockers are refused and, once it ends, the queue is short.
        long quiet = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((TenantWork.running() > 0 || TenantWork.waiting() > 0) && System.nanoTime() < quiet) {
            Thread.sleep(10);
        }
        assertThat(TenantWork.running() + TenantWork.waiting()).as("work left in the pool by another test").isZero();
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int i = 0; i < TenantWork.THREADS + TenantWork.QUEUE; i++) {
                callers.submit(() -> TenantWork.run("a blocker", Duration.ofSeconds(60), () -> {
                    try {
                        return release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (TenantWork.waiting() < TenantWork.QUEUE && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(TenantWork.waiting()).isEqualTo(TenantWork.QUEUE);

            long started = System.nanoTime();
            assertThatThrownBy(() -> TenantWork.run("one more", Duration.ofSeconds(5), () -> 1))
                    .isInstanceOf(HeraldException.Overloaded.class).hasMessageContaining("one more was not started");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        } finally {
            release.countDown();
            callers.close(); // waits for the blockers, released now
        }
        assertThat(TenantWork.run("test", Duration.ofSeconds(10), () -> 7)).isEqualTo(7);
    }
}
