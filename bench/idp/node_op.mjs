// The peer of `make bench-idp`: panva's node-oidc-provider (npm `oidc-provider`, the version in
// package.json beside this file), set up for the benchmark's three workloads.
//
// bench/bench_idp.py copies this file and package.json into a temporary folder, runs
// `npm install` there and starts `node node_op.mjs` with NODE_ENV=production and:
//   BENCH_CC_SECRET   the client secret of `bench-cc` (client_secret_basic, client_credentials)
//   BENCH_CLIENT_JWK  the public ES256 JWK of `bench-code` (private_key_jwt, authorization_code)
// It prints one JSON line once both servers listen, then serves until it is terminated:
//   {"issuer": "http://localhost:<port>", "admin": "http://127.0.0.1:<port>", "clients": {...}}
//
// The provider listens on 127.0.0.1 (issuer http://localhost:<port>, plain HTTP on loopback).
// The admin server, on a second port, mints authorization codes through the provider's model
// API, as its authorization endpoint would at the end of a sign-in (the benchmark measures the
// token endpoint, not the browser journey):
//   POST /codes {"client_id", "redirect_uri", "scope", "nonce", "code_challenges": [...]}
//     -> {"codes": [...]}   one code per challenge (S256), in order, each under its own grant

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';
// The provider's own in-memory adapter, which by default keeps its records in an LRU of 1,000
// entries (a quick-start default): a benchmark run holds tens of thousands of codes, grants,
// access tokens and client-assertion jtis at once, so the same adapter gets a larger store.
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

const ACCOUNT = 'bench-user';
const store = new LRU({ maxSize: 2_000_000 });

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

const secret = process.env.BENCH_CC_SECRET;
const clientJwk = JSON.parse(process.env.BENCH_CLIENT_JWK || 'null');
if (!secret || !clientJwk) {
  console.error('node_op.mjs: BENCH_CC_SECRET and BENCH_CLIENT_JWK are required');
  process.exit(2);
}

// The ID token signing key: RS256, made afresh for each run.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomUUID(),
  alg: 'RS256',
  use: 'sig',
};

const clients = [
  {
    client_id: 'bench-cc',
    client_secret: secret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: 'bench-code',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [clientJwk] },
    redirect_uris: ['http://localhost/cb'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
  },
];

const server = createServer();
const port = await listen(server);
const issuer = `http://localhost:${port}`;

const provider = new Provider(issuer, {
  adapter: (model) => new MemoryAdapter(model, store),
  clients,
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomUUID()] },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
  },
  pkce: { required: () => true }, // and S256 is the only method oidc-provider 9 accepts
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    ClientCredentials: 600,
    Grant: 3600,
    IdToken: 3600,
    Interaction: 3600,
    RefreshToken: 86400,
    Session: 86400,
  },
});

// The first few failures go to stderr (the orchestrator keeps it in a log file).
let reported = 0;
for (const event of ['server_error', 'grant.error', 'discovery.error', 'jwks.error']) {
  provider.on(event, (ctx, error) => {
    if (reported < 10) {
      reported += 1;
      console.error(`${event}: ${error?.name}: ${error?.message} ${error?.error_description ?? ''}`);
    }
  });
}

server.on('request', provider.callback());

async function mintCodes({ client_id: clientId, redirect_uri: redirectUri, scope = 'openid', nonce, code_challenges: challenges }) {
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error(`unknown client ${clientId}`);
  if (!Array.isArray(challenges)) throw new Error('code_challenges must be a list');
  const authTime = Math.floor(Date.now() / 1000);
  const codes = [];
  for (const codeChallenge of challenges) {
    // One grant per code, as each sign-in would make (or find) its own.
    const grant = new provider.Grant({ accountId: ACCOUNT, clientId });
    grant.addOIDCScope(scope);
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId: ACCOUNT,
      client,
      grantId,
      scope,
      redirectUri,
      codeChallenge,
      codeChallengeMethod: 'S256',
      nonce,
      authTime,
    });
    codes.push(await code.save());
  }
  return codes;
}

const admin = createServer(async (req, res) => {
  try {
    if (req.method !== 'POST' || req.url !== '/codes') {
      res.writeHead(404).end();
      return;
    }
    const codes = await mintCodes(await readJson(req));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ codes }));
  } catch (error) {
    res.writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: String(error?.message ?? error) }));
  }
});
const adminPort = await listen(admin);

process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`${JSON.stringify({
  issuer,
  admin: `http://127.0.0.1:${adminPort}`,
  clients: { client_credentials: 'bench-cc', authorization_code: 'bench-code' },
})}\n`);
