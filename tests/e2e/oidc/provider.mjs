// A real OpenID Connect provider (the certified `oidc-provider` package) for the login tests.
//
// Usage: node provider.mjs <port> <config.json>
// config.json: {"clients": [...oidc-provider client metadata...],
//               "accounts": {"<login>": {claims}}, "api_audience": "<resource>"}
// Login through its development interaction pages: any password, the login names the account.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups', 'orcid'],
  },
  // Put the profile claims in the ID token too, as most institutional providers do.
  conformIdTokenClaims: false,
  cookies: { keys: ['catalogue-test-provider-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    // OpenID Connect Back-Channel Logout 1.0: a logout here is posted to each client's
    // backchannel_logout_uri as a signed logout token.
    backchannelLogout: { enabled: true },
    // JWT access tokens for an API (RFC 8707 resource indicators, RFC 9068 format).
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'read write',
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 600,
      }),
    },
  },
  pkce: { required: () => true },
  // The provider refuses to call special-use addresses (its SSRF protection) by handing
  // fetch a guarded dispatcher; here every client is on 127.0.0.1, so the back-channel
  // logout calls go out with the plain one.
  fetch: (url, options) => {
    delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Grant: 600, Session: 600,
         Interaction: 600 },
});

// What the back-channel deliveries did, for the test's log.
provider.on('backchannel.success', (ctx, client) => {
  console.log(`back-channel logout delivered to ${client.clientId}`);
});
provider.on('backchannel.error', (ctx, error, client) => {
  console.log(`back-channel logout to ${client.clientId} failed: ${error.message}`);
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
