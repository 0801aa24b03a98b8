// health.get, secret rotation with a grace period, and signatures checked by the SDK's Webhook.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { Webhook, WebhookVerificationError } from "svix";
import { newApp, Receiver, svixClient } from "./support.js";

const svix = svixClient();
let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

test("health.get answers", async () => {
  assert.equal(await svix.health.get(), undefined);
});

test("deliveries verify with the SDK's Webhook, before and after rotateSecret with gracePeriodSeconds", async (t) => {
  const app = await newApp(svix, t, "secrets");
  const path = `/${app.uid}/hook`;
  const ep = await svix.endpoint.create(app.id, { url: receiver.url(path) });
  const oldKey = (await svix.endpoint.getSecret(app.id, ep.id)).key;
  assert.match(oldKey, /^whsec_/);

  const first = await svix.message.create(app.id, { eventType: "invoice.paid", payload: { invoice: 1 } });
  const [r1] = await receiver.await(path, 1, first.id);
  new Webhook(oldKey).verify(r1.body, r1.headers);
  const stranger = `whsec_${randomBytes(24).toString("base64")}`;
  assert.throws(() => new Webhook(stranger).verify(r1.body, r1.headers), WebhookVerificationError,
    "another secret does not verify");

  await svix.endpoint.rotateSecret(app.id, ep.id, { gracePeriodSeconds: 3600 });
  const newKey = (await svix.endpoint.getSecret(app.id, ep.id)).key;
  assert.match(newKey, /^whsec_/);
  assert.notEqual(newKey, oldKey);

  const second = await svix.message.create(app.id, { eventType: "invoice.paid", payload: { invoice: 2 } });
  const [r2] = await receiver.await(path, 1, second.id);
  new Webhook(newKey).verify(r2.body, r2.headers);
  new Webhook(oldKey).verify(r2.body, r2.headers); // still within the grace period
  assert.equal(JSON.parse(r2.body).invoice, 2);
});
