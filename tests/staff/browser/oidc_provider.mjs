// A real OpenID provider on loopback for the sign-in browser test: the npm package oidc-provider
// (pinned in package-lock.json) with one confidential client, PKCE required, RP-initiated logout and
// its development login and consent pages (any password is accepted; the login names the account).
//
// Environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_POST_LOGOUT_URI.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;

// The accounts the test signs in as. `roles` is mapped to our roles by OIDC_ROLE_MAPPING.
const accounts = {
  'rita': { name: 'Rita Remissgivare', email: 'rita@idp.example', locale: 'sv', roles: ['hyte-lahettaja'] },
  'uusi': { name: 'Uuno Uusi', email: 'uuno@idp.example', locale: 'fi', roles: [] },
  // The referral loop's browser test: a nurse who refers and an NGO's contact person who answers.
  'helmi': { name: 'Helmi Hoitaja', email: 'helmi@idp.example', locale: 'fi', roles: ['hyte-lahettaja'] },
  'pirjo': { name: 'Pirjo Pihlaja', email: 'pirjo@idp.example', locale: 'fi', roles: ['yhdistys-yhteyshenkilo'] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [process.env.OIDC_REDIRECT_URI],
    post_logout_redirect_uris: [process.env.OIDC_POST_LOGOUT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // The client must prove the code is its own (S256 only): a flow without PKCE fails here.
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'roles'],
  claims: { openid: ['sub'], profile: ['name', 'locale'], email: ['email'], roles: ['roles'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['loopback-test-only'] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
