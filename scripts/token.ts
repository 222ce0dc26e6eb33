/**
 * `npm run -s token -- <personId> [ttl]`: prints a signed token for a person, with the embedded key
 * under DATA_DIR. It does not open the database (the running system may hold it); an unknown person
 * is refused by the API when the token is used.
 */
import { loadEnvOrExit } from '../config/env';
import { createTokenService, loadOrCreateSigningKey } from '../api/auth';
import { idSchema } from '../domain/org';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const [personId, ttl] = process.argv.slice(2);
  if (!personId || !idSchema.safeParse(personId).success) {
    console.error('用法 / usage: npm run -s token -- <personId> [ttl, e.g. 8h]');
    process.exit(2);
  }
  if (ttl && !/^\d+[smhd]$/.test(ttl)) {
    console.error('ttl must look like 30m, 8h or 7d');
    process.exit(2);
  }
  if (!env.AUTH_EMBEDDED) {
    console.error('AUTH_EMBEDDED=false: the embedded token issuer is off; sign in through the identity provider.');
    process.exit(2);
  }
  const tokens = createTokenService({ embeddedKey: loadOrCreateSigningKey(env.DATA_DIR), embeddedTtl: env.TOKEN_TTL });
  process.stdout.write(`${await tokens.sign(personId, ttl)}\n`);
}

void main();
