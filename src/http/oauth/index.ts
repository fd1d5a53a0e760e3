/** OAuth 2.0 client credentials for the FHIR API: clients, tokens, scopes and routes. */
export { oauthTokenRoutes, OauthError } from './token-route.js';
export { oauthClientRoutes } from './client-routes.js';
export { createOauthClient, listOauthClients, revokeOauthClient, verifyClientCredentials, ScopeError, type OauthClient } from './clients.js';
export { issueToken, verifyAccessToken, purgeExpiredTokens, ACCESS_TOKEN_PREFIX, type TokenPrincipal, type TokenCheck } from './tokens.js';
export { FUNCTIONAL_SCOPES, KNOWN_SCOPES, TECHNICAL_SCOPES, expandScopes, parseScopes, type FunctionalScope, type TechnicalScope } from './scopes.js';
