import { parseArgs } from 'node:util';
import type { Config } from './config.ts';
import { openConfiguredDatabase } from './main.ts';
import { migrations } from './migrations.ts';
import {
  AdminAccountsError,
  createAdmin,
  demoteAdmin,
  generatePassword,
  promoteToAdmin,
  type RoleChange,
} from './modules/identity/index.ts';
import { migrateToLatest } from './platform/db/migrations.ts';

export const ADMIN_USAGE = `Usage: sbor admin create <email> [--password-stdin] [--first-name <name>] [--surname <name>]
       sbor admin promote <email>
       sbor admin demote <email> [--to user|organizer]`;

/** Everything on stdin, without the line end a shell's echo or a file adds. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const AS_NOUN: Record<RoleChange['to'], string> = { admin: 'an admin', organizer: 'an organizer', user: 'a user' };

function describeChange(change: RoleChange): string {
  const inactive = change.isActive ? '' : ' (the account is deactivated: it cannot sign in until an admin reactivates it)';
  if (change.from === change.to) return `${change.email} is already ${AS_NOUN[change.to]}; nothing changed${inactive}.`;
  return `${change.email} (id ${change.id}) is now ${AS_NOUN[change.to]} (was ${change.from})${inactive}.`;
}

/**
 * `sbor admin create | promote | demote`: accounts with the admin role, made without SQL. Returns
 * the exit code: 0 done (or nothing to do), 1 refused (the reason on stderr), 2 wrong usage.
 * `create` prints a generated password alone on stdout, once, unless --password-stdin gave one.
 */
export async function runAdminCommand(args: string[], config: Config): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'password-stdin': { type: 'boolean' },
        'first-name': { type: 'string' },
        surname: { type: 'string' },
        to: { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${ADMIN_USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const [action, email, ...extra] = positionals;
  const to = values.to ?? 'user';
  const createOnly = values['password-stdin'] !== undefined || values['first-name'] !== undefined || values.surname !== undefined;
  if (
    !email ||
    extra.length > 0 ||
    (action !== 'create' && action !== 'promote' && action !== 'demote') ||
    (action !== 'create' && createOnly) ||
    (action !== 'demote' && values.to !== undefined) ||
    (to !== 'user' && to !== 'organizer')
  ) {
    console.error(ADMIN_USAGE);
    return 2;
  }
  const password = action === 'create' && values['password-stdin'] ? await readStdin() : undefined;

  const database = await openConfiguredDatabase(config);
  try {
    await migrateToLatest(database, migrations);
    switch (action) {
      case 'create': {
        const chosen = password ?? generatePassword();
        const admin = await createAdmin(database.db, {
          email,
          password: chosen,
          firstName: values['first-name'] ?? 'Sbor',
          surname: values.surname ?? 'Admin',
        });
        if (password === undefined) {
          // The password alone on stdout (PASSWORD=$(sbor admin create …)); the words on stderr.
          console.error(
            `Created admin ${admin.email} (id ${admin.id}). Its password, shown only now, follows; change it after signing in.`,
          );
          console.log(chosen);
        } else {
          console.error(`Created admin ${admin.email} (id ${admin.id}) with the password from stdin.`);
        }
        return 0;
      }
      case 'promote':
        console.log(describeChange(await promoteToAdmin(database.db, email)));
        return 0;
      case 'demote':
        console.log(describeChange(await demoteAdmin(database.db, email, to)));
        return 0;
    }
  } catch (error) {
    if (!(error instanceof AdminAccountsError)) throw error;
    console.error(error.message);
    return 1;
  } finally {
    await database.close();
  }
}
