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

  /** The user id of a valid, unexpired token, else undefined. */
  async verify(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, await this.signingKey(), { algorithms: ['HS256'] });
      return typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch {
      return undefined;
    }
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

/** The token from `Authorization` (with or without `Bearer `) or else the cookie. */
export function presentedToken(req: Request): string | undefined {
  const header = req.header('authorization')?.trim();
  if (header) return header.replace(/^Bearer\s+/i, '');
  const cookies = req.header('cookie');
  return cookies ? parseCookie(cookies)[TOKEN_COOKIE] : undefined;
}

export interface AuthenticatedLocals {
  userId: string;
}

/** 401 unless the request carries a valid token of an existing user; sets `res.locals.userId`. */
export function requireUser(tokens: Tokens, prisma: PrismaClient): RequestHandler {
  return async (req, res, next) => {
    const token = presentedToken(req);
    const userId = token ? await tokens.verify(token) : undefined;
    if (!userId || !(await prisma.loyaltyUser.findUnique({ where: { id: userId }, select: { id: true } }))) {
      throw new ApiError(401, 'unauthorized', 'a valid token is required (Authorization header or cookie)');
    }
    res.locals.userId = userId;
    next();
  };
}
