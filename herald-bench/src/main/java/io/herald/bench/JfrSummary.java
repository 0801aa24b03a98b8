package io.herald.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * The hot spots of one JFR recording, read with the JDK's own reader: which methods were on top of
 * the sampled stacks, which Herald method was nearest the top, which threads were sampled, and which
 * native frames threads inside Herald's own code were in (where SQLite's fsync shows up). Counts are
 * samples of {@code jdk.ExecutionSample} (Java code running) and {@code jdk.NativeMethodSample}.
 */
final class JfrSummary {
    private static final int TOP = 10;

    private JfrSummary() {}

    static Map<String, Object> of(Path recording) {
        Map<String, Long> top = new HashMap<>();
        Map<String, Long> herald = new HashMap<>();
        Map<String, Long> threads = new HashMap<>();
        Map<String, Long> nativeInHerald = new HashMap<>();
        long samples = 0;
        long nativeSamples = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                String type = e.getEventType().getName();
                boolean java = type.equals("jdk.ExecutionSample");
                if (!java && !type.equals("jdk.NativeMethodSample")) {
                    continue;
                }
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                List<RecordedFrame> frames = st.getFrames();
                String own = firstHeraldFrame(frames);
                if (java) {
                    samples++;
                    top.merge(name(frames.getFirst()), 1L, Long::sum);
                    if (own != null) {
                        herald.merge(own, 1L, Long::sum);
                    }
                    RecordedThread t = e.getThread("sampledThread");
                    threads.merge(threadName(t), 1L, Long::sum);
                } else if (own != null) {
                    // Threads waiting in epoll or accept are native too; only count those inside Herald's code.
                    nativeSamples++;
                    nativeInHerald.merge(name(frames.getFirst()) + " <- " + own, 1L, Long::sum);
                }
            }
        } catch (IOException e) {
            return Map.of("error", "cannot read " + recording + ": " + e.getMessage());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recording", recording.toString());
        m.put("executionSamples", samples);
        m.put("topFrames", top(top, samples));
        m.put("heraldFrames", top(herald, samples));
        m.put("threads", top(threads, samples));
        m.put("nativeSamplesInHerald", nativeSamples);
        m.put("nativeInHerald", top(nativeInHerald, nativeSamples));
        return m;
    }

    private static String firstHeraldFrame(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.getMethod() != null && f.getMethod().getType().getName().startsWith("io.herald.")) {
                return name(f);
            }
        }
        return null;
    }

    private static String name(RecordedFrame f) {
        if (f.getMethod() == null) {
            return "?";
        }
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static String threadName(RecordedThread t) {
        if (t == null) {
            return "?";
        }
        String n = t.getJavaName() != null ? t.getJavaName() : t.getOSName();
        if (n == null || n.isEmpty()) {
            return t.isVirtual() ? "(virtual)" : "?";
        }
        // Pool threads differ only by number: count them together.
        return n.replaceAll("-\\d+$", "-N").replaceAll("\\d+$", "N");
    }

    /** The biggest counts as "12.3 % name", largest first. */
    static List<String> top(Map<String, Long> counts, long total) {
        List<String> out = new ArrayList<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(TOP)
                .forEach(en -> out.add(String.format(java.util.Locale.ROOT, "%5.1f %% %s", 100.0 * en.getValue() / Math.max(1, total), en.getKey())));
        return out;
    }

    static boolean exists(Path p) {
        try {
            return Files.size(p) > 0;
        } catch (IOException e) {
            return false;
        }
    }
}
