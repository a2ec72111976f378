import { parseArgs } from 'node:util';
import { MAX_SUBJECT_LENGTH } from '@app/consistency';
import { isRole, Role, ROLES, signToken } from '@app/consistency/tools';
import { devAuthSecret } from './auth/auth-headers';

const usage = `usage: npm run token -- --sub <id> [--role ${ROLES.join('|')}]… [--ttl 1h]`;

/**
 * `npm run token`: prints a development bearer token signed with AUTH_JWT_SECRET (from the
 * environment or `.local/infra.env`), e.g. `curl -H "Authorization: Bearer $(npm run -s token -- --sub alice)"`.
 */
async function main(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' },
      role: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '1h' },
    },
  });
  const { sub, role = ['customer'], ttl } = values;
  if (!sub || sub.length > MAX_SUBJECT_LENGTH || /\p{Cc}/u.test(sub)) {
    throw new Error(`--sub takes the customer id, 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }
  const unknown = role.filter((name) => !isRole(name));
  if (unknown.length > 0) {
    throw new Error(`unknown role(s) ${unknown.join(', ')}; known: ${ROLES.join(', ')}`);
  }
  if (!/^[1-9]\d*[smhd]$/.test(ttl)) {
    throw new Error(`--ttl takes a lifetime such as 90s, 15m, 1h or 7d, got "${ttl}"`);
  }
  return signToken(devAuthSecret(), {
    sub,
    roles: role as Role[],
    expiresIn: ttl,
    issuer: process.env.AUTH_ISSUER,
    audience: process.env.AUTH_AUDIENCE,
  });
}

main(process.argv.slice(2)).then(
  (token) => process.stdout.write(`${token}\n`),
  (error: unknown) => {
    process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    process.exit(2);
  },
);
