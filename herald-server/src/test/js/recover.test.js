// endpoint.recover: messages that failed while the receiver was down are sent again.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BackgroundTaskStatus, MessageStatus } from "svix";
import { newApp, Receiver, svixClient, waitFor } from "./support.js";

const svix = svixClient();
let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

test("endpoint.recover after the receiver came back: the failed message arrives, the task finishes", async (t) => {
  const app = await newApp(svix, t, "recover");
  const path = `/${app.uid}/hook`;
  receiver.answer(path, 500);
  const ep = await svix.endpoint.create(app.id, { url: receiver.url(path) });
  const since = new Date(Date.now() - 60_000);
  const msg = await svix.message.create(app.id, { eventType: "invoice.paid", payload: { invoice: 1 } });

  // Herald runs with HERALD_RETRY_DELAYS=none, so the first failure is final.
  await waitFor(`a failed attempt of ${msg.id}`,
    async () => (await svix.messageAttempt.listByMsg(app.id, msg.id)).data,
    (data) => data.some((a) => a.status === MessageStatus.Fail));
  assert.deepEqual(receiver.received(path, msg.id).map((r) => r.status), [500]);

  receiver.answer(path, 200);
  const task = await svix.endpoint.recover(app.id, ep.id, { since });
  assert.equal(task.task, "endpoint.recover");
  assert.ok([BackgroundTaskStatus.Running, BackgroundTaskStatus.Finished].includes(task.status), task.status);

  await waitFor(`a successful redelivery of ${msg.id}`, () => receiver.received(path, msg.id),
    (got) => got.some((r) => r.status === 200));
  const done = await waitFor(`task ${task.id} to finish`, () => svix.backgroundTask.get(task.id),
    (bt) => bt.status !== BackgroundTaskStatus.Running);
  assert.equal(done.status, BackgroundTaskStatus.Finished);
  assert.equal(done.id, task.id);
  assert.equal(done.task, "endpoint.recover");
  await waitFor(`a successful attempt of ${msg.id}`,
    async () => (await svix.messageAttempt.listByMsg(app.id, msg.id)).data,
    (data) => data.some((a) => a.status === MessageStatus.Success));
  assert.deepEqual(receiver.received(path, msg.id).map((r) => r.status), [500, 200], "sent again once");
});
