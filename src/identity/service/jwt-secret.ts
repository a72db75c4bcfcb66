import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../../libs/config/app-config.js';

const MIN_SECRET_BYTES = 32;

/** JWT_SECRET (at least 32 bytes), or one generated on first start and kept (mode 0600) in the data dir. */
export function resolveJwtSecret(config: AppConfig): string {
  if (config.jwtSecret) {
    // HS256 with a short secret can be brute-forced offline from any token it signed.
    if (Buffer.byteLength(config.jwtSecret) < MIN_SECRET_BYTES) throw new Error(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes (it has ${Buffer.byteLength(config.jwtSecret)})`);
    return config.jwtSecret;
  }
  const file = join(config.dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  new Logger('Identity').warn(`JWT_SECRET is not set: generated one and kept it in ${file} (set JWT_SECRET when running several instances)`);
  return secret;
}
