// authentication.appPortalAccess: a token that sees one application and nothing else.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { apiError, HERALD_TOKEN, newApp, Receiver, svixClient } from "./support.js";

const svix = svixClient();
let receiver;
before(async () => {
  receiver = await Receiver.start();
});
after(() => receiver.close());

test("appPortalAccess token: lists its application's endpoints, 404 for another application and for event types", async (t) => {
  const app = await newApp(svix, t, "portal");
  const other = await newApp(svix, t, "portal-other");
  const ep = await svix.endpoint.create(app.id, { url: receiver.url(`/${app.uid}/hook`) });
  await svix.endpoint.create(other.id, { url: receiver.url(`/${other.uid}/hook`) });

  const access = await svix.authentication.appPortalAccess(app.id);
  assert.match(access.url, /^https?:\/\//);
  assert.equal(typeof access.token, "string");
  assert.ok(access.token.length >= 16, "a token, not a placeholder");
  assert.notEqual(access.token, HERALD_TOKEN);

  const scoped = svixClient(access.token);
  assert.deepEqual((await scoped.endpoint.list(app.id)).data.map((e) => e.id), [ep.id]);
  assert.deepEqual((await scoped.endpoint.list(app.uid)).data.map((e) => e.id), [ep.id], "by uid too");
  await assert.rejects(scoped.endpoint.list(other.id), apiError(404));
  await assert.rejects(scoped.application.get(other.id), apiError(404));
  await assert.rejects(scoped.eventType.list(), apiError(404));
});

test("authentication.logout with an appPortalAccess token: the token no longer works", async (t) => {
  const app = await newApp(svix, t, "logout");
  const scoped = svixClient((await svix.authentication.appPortalAccess(app.id)).token);
  assert.deepEqual((await scoped.endpoint.list(app.id)).data, []);
  await scoped.authentication.logout();
  await assert.rejects(scoped.endpoint.list(app.id), apiError(401));
  assert.deepEqual((await svix.endpoint.list(app.id)).data, [], "the admin token still works");
});
