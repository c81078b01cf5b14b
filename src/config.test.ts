import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('runs every role on the embedded database when nothing is set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.natsUrl).toBeUndefined();
    expect(config.dataDir).toBe('./data');
    expect([...config.roles].sort()).toEqual(['api', 'relay', 'worker']);
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  it('converts and keeps valid values', () => {
    const config = loadConfig({ PORT: '8080', ROLES: 'api', DATABASE_URL: 'postgres://u@h/db', PUBLIC_URL: 'https://x.test/' });
    expect(config.port).toBe(8080);
    expect([...config.roles]).toEqual(['api']);
    expect(config.databaseUrl).toBe('postgres://u@h/db');
    expect(config.publicUrl).toBe('https://x.test');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['ROLES', 'api,cook'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['NATS_URL', 'http://x'],
  ])('rejects %s=%s with one line naming the variable', (name, value) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${name}: `));
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('documents every variable it reads in .env.example', async () => {
    const example = await readFile(new URL('../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...ENV_VARIABLES].sort());
  });
});
