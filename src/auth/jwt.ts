import { jwtVerify, SignJWT } from 'jose';

export interface TokenClaims {
  /** User id. */
  sub: string;
  /** Current org, when the user is signed in to one. */
  org?: string;
}

/** Signs and verifies session tokens (HS256). */
export class TokenService {
  private readonly key: Uint8Array;

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

  /** The claims of a valid token, or null for anything else (bad signature, expired, malformed). */
  async verify(token: string): Promise<TokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: 'orggraph', algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string') return null;
      return { sub: payload.sub, org: typeof payload.org === 'string' ? payload.org : undefined };
    } catch {
      return null;
    }
  }
}
