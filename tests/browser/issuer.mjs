// SPDX-License-Identifier: Apache-2.0
// A small OpenID provider for the browser test, like the one of
// tests/integration/test_oidc.py: discovery, JWKS (one RSA key), an
// authorization endpoint that approves at once (a person already signed
// in there who consents) or answers `deny`, and a token endpoint that
// redeems a code once, only with the verifier of its S256 challenge, for
// an RS256 ID token carrying the nonce it was asked for.
import http from "node:http";
import crypto from "node:crypto";

export class Issuer {
  constructor(user) {
    this.user = user;   // claims of who signs in here: {sub, preferred_username, ...}
    this.deny = null;   // an OAuth error code to answer /authorize with instead
    this.codes = new Map();
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.key = privateKey;
    this.jwk = Object.assign(publicKey.export({ format: "jwk" }), { kid: "k1", alg: "RS256", use: "sig" });
  }

  async start() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise(r => this.server.listen(0, "127.0.0.1", r));
    this.url = "http://127.0.0.1:" + this.server.address().port;
    return this;
  }

  stop() { return new Promise(r => this.server.close(r)); }

  idToken(claims) {
    const b64 = o => Buffer.from(JSON.stringify(o)).toString("base64url");
    const input = b64({ alg: "RS256", typ: "JWT", kid: "k1" }) + "." + b64(claims);
    return input + "." + crypto.sign("sha256", Buffer.from(input), this.key).toString("base64url");
  }

  handle(req, res) {
    const u = new URL(req.url, this.url);
    const json = (status, body) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (u.pathname === "/.well-known/openid-configuration")
      return json(200, { issuer: this.url, jwks_uri: this.url + "/jwks",
        authorization_endpoint: this.url + "/authorize", token_endpoint: this.url + "/token",
        code_challenge_methods_supported: ["S256"] });
    if (u.pathname === "/jwks") return json(200, { keys: [this.jwk] });
    if (u.pathname === "/authorize") {
      const q = u.searchParams;
      const back = new URL(q.get("redirect_uri"));
      back.searchParams.set("state", q.get("state"));
      if (this.deny) back.searchParams.set("error", this.deny);
      else {
        const code = crypto.randomBytes(16).toString("hex");
        this.codes.set(code, { nonce: q.get("nonce"), challenge: q.get("code_challenge"),
          method: q.get("code_challenge_method"), client: q.get("client_id") });
        back.searchParams.set("code", code);
      }
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (u.pathname === "/token" && req.method === "POST") {
      let body = "";
      req.on("data", d => { body += d; });
      req.on("end", () => {
        const f = new URLSearchParams(body);
        const c = this.codes.get(f.get("code"));
        this.codes.delete(f.get("code"));
        const challenge = crypto.createHash("sha256").update(f.get("code_verifier") || "").digest("base64url");
        if (!c || c.method !== "S256" || challenge !== c.challenge) return json(400, { error: "invalid_grant" });
        const now = Math.floor(Date.now() / 1000);
        json(200, { access_token: "unused", token_type: "Bearer", id_token: this.idToken(Object.assign(
          { iss: this.url, aud: c.client, iat: now, exp: now + 300, nonce: c.nonce }, this.user)) });
      });
      return;
    }
    res.writeHead(404);
    res.end();
  }
}
