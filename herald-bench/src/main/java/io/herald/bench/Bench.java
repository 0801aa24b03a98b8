package io.herald.bench;

/**
 * Entry point of target/herald-bench.jar: {@code load [options]} (the load harness, see
 * docs/benchmarks.md) or {@code jmh [JMH options]}.
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            org.openjdk.jmh.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("load")) {
            System.exit(LoadRun.main(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        System.err.println("usage: herald-bench.jar load [options]   (load --help for the options)");
        System.err.println("       herald-bench.jar jmh [JMH options]");
        System.exit(2);
    }
}
