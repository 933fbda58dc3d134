// The reference framework, atlassian-connect-express (ACE), protecting a route that returns the
// same JSON as Estimo's GET /api/me with its authenticateForge() middleware. Only this file is
// ours: the package is installed at bench time (scripts/bench.sh) and is not edited.
//
//   ACE_MODE=stock              ACE as shipped: per request it downloads the JWKS and awaits a
//                               write of the app token to its default store (Sequelize, SQLite).
//   ACE_MODE=async-token-write  VARIANT: the same, except that this file makes the per-request
//                               token write fire-and-forget (the response no longer waits for it).
"use strict";
const fs = require("fs");
const https = require("https");
const path = require("path");

const mode = process.env.ACE_MODE || "stock";
const port = Number(process.env.PORT);
const jwksUrl = process.env.ACE_JWKS_URL;
const dir = process.env.BENCH_DIR;

// ACE verifies against Atlassian's production JWKS URL, which it hard-codes. Give ACE a `jose`
// whose createRemoteJWKSet is pointed at the bench's loopback JWKS instead; everything else,
// including creating a fresh remote key set (and so downloading the JWKS) per request, is ACE's.
const acePath = path.dirname(require.resolve("atlassian-connect-express"));
const joseId = require.resolve("jose", { paths: [acePath] });
const jose = require(joseId);
require.cache[joseId].exports = Object.assign({}, jose, {
  createRemoteJWKSet: (_url, options) => jose.createRemoteJWKSet(new URL(jwksUrl), options),
});

const express = require("express");
const ace = require("atlassian-connect-express");

const app = express();
const addon = ace(app);
app.use(addon.middleware());

let failedWrites = 0;
if (mode === "async-token-write") {
  const cache = addon.forgeAppTokenCache;
  const write = cache.setForgeAppToken.bind(cache);
  cache.setForgeAppToken = (...args) => {
    write(...args).catch(() => {
      failedWrites++;
    });
    return Promise.resolve();
  };
} else if (mode !== "stock") {
  throw new Error(`unknown ACE_MODE ${mode}`);
}

app.get("/api/me", addon.authenticateForge(), (req, res) => {
  const forge = req.context.forge;
  res.json({
    installationId: forge.app.installationId,
    cloudId: forge.context ? forge.context.cloudId : null,
    accountId: forge.principal || null,
  });
});
app.get("/health/ready", (_req, res) => res.json({ ok: true }));
app.get("/bench/failed-writes", (_req, res) => res.json({ failedWrites }));

https
  .createServer(
    {
      key: fs.readFileSync(path.join(dir, "tls-key.pem")),
      cert: fs.readFileSync(path.join(dir, "tls-cert.pem")),
    },
    app
  )
  .listen(port, "127.0.0.1", () => console.log(`ace (${mode}) listening on ${port}`));
