// /metrics read by a Prometheus text-format parser nobody here wrote (parse-prometheus-text-format
// on npm), as a scraper reads it; the Java tests check the values, this checks the format.
import assert from "node:assert/strict";
import { test } from "node:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { HERALD_TOKEN, HERALD_URL, newApp, svixClient } from "./support.js";

async function scrape() {
  const r = await fetch(`${HERALD_URL}/metrics`, { headers: { Authorization: `Bearer ${HERALD_TOKEN}` } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
  return r.text();
}

test("the metrics parse as Prometheus text, every sample in a family of its declared type", async (t) => {
  const svix = svixClient();
  const app = await newApp(svix, t, "metrics");
  await svix.message.create(app.id, { eventType: "metrics.checked", payload: { n: 1 } });

  const text = await scrape();
  const families = parsePrometheusTextFormat(text);
  const byName = new Map(families.map((f) => [f.name, f]));

  assert.equal(byName.get("herald_messages_published_total")?.type, "COUNTER");
  assert.ok(Number(byName.get("herald_messages_published_total").metrics[0].value) >= 1);
  assert.equal(byName.get("herald_deliveries_pending")?.type, "GAUGE");
  assert.equal(byName.get("herald_attempt_duration_seconds")?.type, "HISTOGRAM");
  assert.equal(byName.get("herald_store_commit_seconds")?.type, "SUMMARY");
  assert.ok(byName.has("hikaricp_connections_active"), "the pools' meters");
  assert.ok(byName.has("jvm_memory_used_bytes"), "the JVM's meters");

  // Nothing lost between the text and the parse: one parsed sample (or histogram/summary series) per
  // family member, and every value a number.
  const sampleLines = text.split("\n").filter((l) => l.length > 0 && !l.startsWith("#"));
  let parsed = 0;
  for (const f of families) {
    for (const m of f.metrics) {
      if (f.type === "HISTOGRAM") {
        parsed += Object.keys(m.buckets).length + 2; // buckets, _count, _sum
      } else if (f.type === "SUMMARY") {
        parsed += Object.keys(m.quantiles ?? {}).length + 2;
      } else {
        parsed += 1;
        assert.ok(!Number.isNaN(Number(m.value)) || m.value === "NaN", `${f.name}: ${m.value}`);
      }
    }
  }
  assert.equal(parsed, sampleLines.length);
});
