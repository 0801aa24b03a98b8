package io.herald;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
    void run_fromInsideThePool_runsInlineInsteadOfWaitingForItself() {
        String inner = TenantWork.run("outer", Duration.ofSeconds(5), () -> {
            Thread outer = Thread.currentThread();
            return TenantWork.run("inner", Duration.ofSeconds(5), () -> Thread.currentThread() == outer ? "inline" : "other");
        });

        assertThat(inner).isEqualTo("inline");
    }
}
