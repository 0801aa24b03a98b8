package io.herald.bench.micro;

import io.herald.Json;
import io.herald.format.Event;
import io.herald.format.Format;
import io.herald.format.Rendered;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rendering the body of one attempt, per format, for a 1 KiB security finding. The format is parsed
 * once (the dispatcher gets it from a cache); rendering reads the payload text anew every time, as
 * each attempt does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@State(Scope.Benchmark)
public class FormatBench {
    /** An incident-style JSON body, with a section over a list of objects in the payload. */
    static final String TEMPLATE = """
            {"summary":"{{data.title}}","severity":{{data.severity}},"source":"{{data.host}}",\
            "link":"{{data.url}}","dedupKey":"{{eventId}}","herald":{"id":"{{id}}","type":"{{type}}","at":"{{timestamp}}"},\
            "packages":[{{#data.packages}}"{{name}} {{version}}"{{^-last}},{{/-last}}{{/data.packages}}]}""";

    static final Map<String, String> SPECS = Map.of(
            "json", "\"json\"",
            "envelope", "\"envelope\"",
            "slack", "\"slack\"",
            "teams", "\"teams\"",
            "cef", "{\"type\":\"cef\",\"vendor\":\"Acme\",\"product\":\"Image Scanner\",\"version\":\"2.4.1\"}",
            "syslog", "{\"type\":\"syslog\",\"hostname\":\"herald-1.example.net\",\"facility\":10}",
            "template", Json.write(Map.of("type", "template", "template", TEMPLATE)));

    @Param({"json", "envelope", "slack", "teams", "cef", "syslog", "template"})
    public String format;

    Format renderer;
    Event event;

    @Setup
    public void setUp() {
        renderer = Format.parse("format", Json.read(SPECS.get(format)));
        event = SecurityEvents.CRITICAL_EVENT;
    }

    @Benchmark
    public Rendered render() {
        return renderer.render(event);
    }
}
