import { jwtVerify, SignJWT } from 'jose';

export interface TokenClaims {
  /** User id. */
  sub: string;
  /** Current org, when the user is signed in to one. */
  org?: string;
}

/** An API client's access token: one client (its row id), one org, the granted scopes, the secret it came from. */
export interface ApiClientClaims {
  clientId: string;
  org: string;
  scopes: string[];
  /** `api_clients.secret_generation` at issue; a rotation raises it and kills the token. */
  generation: number;
}

/**
 * Who a verified bearer token speaks for; checked against the database once per request (`loadViewerFor`).
 * `issuedAt` (seconds, the token's `iat`): a fresh token's first reads go to the primary (`ReadRouter`).
 */
export type Credential = (({ kind: 'user' } & TokenClaims) | ({ kind: 'apiClient' } & ApiClientClaims)) & { issuedAt?: number };

/** A stable name of the credential, for rate limits: the same user or client, whichever token it uses. */
export function credentialKey(credential: Credential): string {
  return credential.kind === 'user' ? `user:${credential.sub}` : `client:${credential.clientId}`;
}

const API_CLIENT_TOKEN = 'api_client';

/** How many verified tokens `verifyCredential` remembers; past that, the oldest are forgotten first. */
const VERIFIED_TOKENS_MAX = 10_000;

/** Signs and verifies session tokens and API client access tokens (HS256). */
export class TokenService {
  private readonly key: Uint8Array;
  /**
   * Tokens already verified, with their claims, until they expire: a client sends the same token with every request,
   * and its HMAC and claims need checking once. Tokens are never revoked by themselves (what revokes access lives in
   * the database and is checked with the viewer), so expiry is the only reason to check again.
   */
  private readonly verified = new Map<string, { credential: Credential; expiresAtMs: number }>();

  constructor(secret: string, private readonly ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: TokenClaims): Promise<string> {
    const jwt = new SignJWT(claims.org ? { org: claims.org } : {})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setIssuer('orggraph')
      .setExpirationTime(`${this.ttlSeconds}s`);
    return jwt.sign(this.key);
  }

  /** A short-lived access token for an API client (`typ: api_client`, so it can never pass for a user's token). */
  signApiClient(claims: ApiClientClaims, ttlSeconds: number): Promise<string> {
    return new SignJWT({ typ: API_CLIENT_TOKEN, org: claims.org, scope: claims.scopes.join(' '), gen: claims.generation })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.clientId)
      .setIssuedAt()
      .setIssuer('orggraph')
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  /** The claims of a valid user token, or null for anything else (bad signature, expired, malformed, a client's). */
  async verify(token: string): Promise<TokenClaims | null> {
    const credential = await this.verifyCredential(token);
    return credential?.kind === 'user' ? { sub: credential.sub, org: credential.org } : null;
  }

  /** A user's or an API client's verified claims; null for anything invalid. No database access. */
  async verifyCredential(token: string): Promise<Credential | null> {
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.credential;
    this.verified.delete(token);
    const checked = await this.checkToken(token);
    if (!checked) return null;
    if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, checked);
    return checked.credential;
  }

  private async checkToken(token: string): Promise<{ credential: Credential; expiresAtMs: number } | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: 'orggraph', algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string') return null;
      const expiresAtMs = typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + 60_000;
      const issuedAt = typeof payload.iat === 'number' ? payload.iat : undefined;
      if (payload.typ === API_CLIENT_TOKEN) {
        if (typeof payload.org !== 'string' || typeof payload.scope !== 'string' || typeof payload.gen !== 'number') return null;
        const scopes = payload.scope.split(' ').filter(Boolean);
        return { credential: { kind: 'apiClient', clientId: payload.sub, org: payload.org, scopes, generation: payload.gen, issuedAt }, expiresAtMs };
      }
      if (payload.typ !== undefined) return null;
      return { credential: { kind: 'user', sub: payload.sub, org: typeof payload.org === 'string' ? payload.org : undefined, issuedAt }, expiresAtMs };
    } catch {
      return null;
    }
  }
}
