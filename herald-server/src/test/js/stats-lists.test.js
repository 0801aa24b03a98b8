// endpoint.getStats, messageAttempt.listAttemptedDestinations and listAttemptedMessages.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MessageStatus, MessageStatusText } from "svix";
import { finishedAttempts, listAll, newApp, Receiver, svixClient } from "./support.js";

const svix = svixClient();
let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

/** An application with an endpoint that answers 200 and one that answers 500, and two messages to both. */
async function twoEndpointsTwoMessages(t, prefix) {
  const app = await newApp(svix, t, prefix);
  const okPath = `/${app.uid}/ok`;
  const badPath = `/${app.uid}/bad`;
  receiver.answer(badPath, 500);
  const ok = await svix.endpoint.create(app.id, { url: receiver.url(okPath) });
  const bad = await svix.endpoint.create(app.id, { url: receiver.url(badPath) });
  const msgs = [];
  for (const n of [1, 2]) {
    msgs.push(await svix.message.create(app.id, { eventType: "invoice.paid", payload: { invoice: n } }));
  }
  // Herald runs with HERALD_RETRY_DELAYS=none: each message ends with one attempt per endpoint.
  for (const m of msgs) {
    await finishedAttempts(svix, app.id, m.id, 2);
  }
  return { app, ok, bad, msgs };
}

test("endpoint.getStats counts one endpoint's successes and another's failures", async (t) => {
  const { app, ok, bad } = await twoEndpointsTwoMessages(t, "stats");
  assert.deepEqual(await svix.endpoint.getStats(app.id, ok.id), { success: 2, pending: 0, sending: 0, fail: 0, canceled: 0 });
  assert.deepEqual(await svix.endpoint.getStats(app.id, bad.id), { success: 0, pending: 0, sending: 0, fail: 2, canceled: 0 });
});

test("messageAttempt.listAttemptedDestinations: the endpoints a message went to, with their status", async (t) => {
  const { app, ok, bad, msgs } = await twoEndpointsTwoMessages(t, "dests");
  const dests = await listAll((iterator) => svix.messageAttempt.listAttemptedDestinations(app.id, msgs[0].id, { iterator }));
  const byId = Object.fromEntries(dests.map((d) => [d.id, d]));
  assert.deepEqual(Object.keys(byId).sort(), [ok.id, bad.id].sort());
  assert.equal(byId[ok.id].status, MessageStatus.Success);
  assert.equal(byId[ok.id].statusText, MessageStatusText.Success);
  assert.equal(byId[ok.id].url, ok.url);
  assert.equal(byId[bad.id].status, MessageStatus.Fail);
  assert.equal(byId[bad.id].statusText, MessageStatusText.Fail);
  assert.equal(byId[bad.id].nextAttempt, null, "no retry is due");
});

test("messageAttempt.listAttemptedMessages: the messages tried at an endpoint, with their status", async (t) => {
  const { app, ok, bad, msgs } = await twoEndpointsTwoMessages(t, "msgs");
  const ids = msgs.map((m) => m.id).sort();
  for (const [ep, status, text] of [[ok, MessageStatus.Success, MessageStatusText.Success],
    [bad, MessageStatus.Fail, MessageStatusText.Fail]]) {
    const got = await listAll((iterator) => svix.messageAttempt.listAttemptedMessages(app.id, ep.id, { iterator }));
    assert.deepEqual(got.map((m) => m.id).sort(), ids, `messages at ${ep.url}`);
    for (const m of got) {
      assert.equal(m.status, status, `${m.id} at ${ep.url}`);
      assert.equal(m.statusText, text, `${m.id} at ${ep.url}`);
      assert.equal(m.eventType, "invoice.paid");
    }
  }
});
