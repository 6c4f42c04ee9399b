/**
 * Loyalty authentication: scrypt password hashes (node:crypto, random salt per user)
 * and signed, expiring tokens (JWT HS256 via `jose`). The token travels in the
 * `Authorization` header and in a cookie; either comes back.
 */
import { randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { parseCookie } from 'cookie';
import type { Request, RequestHandler } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import type { PrismaClient } from '../../infra/database';
import { ApiError } from '../errors';

export const TOKEN_COOKIE = 'token';

// ~16 MiB and tens of milliseconds per hash: slow for guessing, fine for logins.
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url), so the parameters can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keyLength, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(key, expected);
}

let dummyHash: Promise<string> | undefined;

/** A hash of nothing, checked when the login is unknown so both failures take as long. */
export function unknownUserHash(): Promise<string> {
  dummyHash ??= hashPassword(randomUUID());
  return dummyHash;
}

export interface TokenOptions {
  /** From LOYALTY_TOKEN_SECRET; otherwise generated once and kept in the database. */
  secret?: string;
  ttlSeconds: number;
}

const SECRET_NAME = 'token-signing-key';
/** User ids are UUIDs (randomUUID at registration); anything else in `sub` was never issued by us. */
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Tokens {
  private key?: Promise<Uint8Array>;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: TokenOptions,
  ) {}

  async issue(userId: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .sign(await this.signingKey());
  }

  /** The user id of a valid token: ours, unexpired, with an expiry and a user id (a UUID); else undefined. */
  async verify(token: string): Promise<string | undefined> {
    let sub: string | undefined;
    try {
      ({ payload: { sub } } = await jwtVerify(token, await this.signingKey(), { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }));
    } catch {
      return undefined;
    }
    return sub && USER_ID.test(sub) ? sub : undefined;
  }

  private signingKey(): Promise<Uint8Array> {
    this.key ??= this.loadSecret().then((secret) => new TextEncoder().encode(secret));
    this.key.catch(() => (this.key = undefined)); // a failed load is retried on the next request
    return this.key;
  }

  /** Every API process of one database shares the key: the first one to start creates it. */
  private async loadSecret(): Promise<string> {
    if (this.options.secret) return this.options.secret;
    await this.prisma.loyaltySecret.createMany({
      data: [{ name: SECRET_NAME, value: randomBytes(32).toString('base64url') }],
      skipDuplicates: true,
    });
    return (await this.prisma.loyaltySecret.findUniqueOrThrow({ where: { name: SECRET_NAME } })).value;
  }
}

/** The tokens a request carries, in the order they are tried: `Authorization` (with or without `Bearer `), then the cookie. */
export function presentedTokens(req: Request): string[] {
  const header = req.header('authorization')?.trim().replace(/^Bearer\s+/i, '');
  const cookies = req.header('cookie');
  const cookie = cookies ? parseCookie(cookies)[TOKEN_COOKIE] : undefined;
  return [header, cookie].filter((token): token is string => Boolean(token));
}

export interface AuthenticatedLocals {
  userId: string;
}

/**
 * 401 unless the request carries a valid token of an existing user; sets `res.locals.userId`.
 * The header's token wins when it is valid; when it is not (stale, garbage), the cookie's is
 * tried: clients may send either back, and one that keeps both should not be locked out by the
 * worse one.
 */
export function requireUser(tokens: Tokens, prisma: PrismaClient): RequestHandler {
  return async (req, res, next) => {
    for (const token of presentedTokens(req)) {
      const userId = await tokens.verify(token);
      if (userId && (await prisma.loyaltyUser.findUnique({ where: { id: userId }, select: { id: true } }))) {
        res.locals.userId = userId;
        return next();
      }
    }
    throw new ApiError(401, 'unauthorized', 'a valid token is required (Authorization header or cookie)');
  };
}
