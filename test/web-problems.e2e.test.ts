import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBrowser, startBrowserHarness, WAIT, type BrowserHarness } from './support/browser.ts';

// API errors in the person's language: the Russian UI shows the Russian sentence for the problem
// code (web/src/problems.ts), the English UI the API's own detail.
let harness: BrowserHarness;

async function pageIn(locale: 'ru' | 'en'): Promise<Page> {
  const page = await harness.newPage();
  await page.addInitScript((value) => localStorage.setItem('sbor.locale', value), locale);
  return page;
}

async function alertText(page: Page): Promise<string> {
  await page.getByRole('alert').waitFor(WAIT);
  return (await page.getByRole('alert').textContent()) ?? '';
}

describe.skipIf(!haveBrowser)('API errors in words, in both languages', () => {
  beforeAll(async () => {
    harness = await startBrowserHarness();
  }, 180_000);

  afterAll(async () => {
    await harness.stop();
  });

  it('a wrong password says so in Russian in the Russian UI, in English in the English one', async () => {
    const ru = await pageIn('ru');
    await ru.goto(`${harness.base}/signin`);
    await ru.getByLabel('Эл. почта').fill('nobody@example.test');
    await ru.getByLabel('Пароль').fill('not the password');
    await ru.locator('form').getByRole('button', { name: 'Войти' }).click();
    expect(await alertText(ru)).toBe('Неверная почта или пароль.');

    const en = await pageIn('en');
    await en.goto(`${harness.base}/signin`);
    await en.getByLabel('Email').fill('nobody@example.test');
    await en.getByLabel('Password').fill('not the password');
    await en.locator('form').getByRole('button', { name: 'Sign in' }).click();
    expect(await alertText(en)).toBe('The email or password is wrong.');
  });

  it('keeps the specifics: a short password names the minimum length in Russian', async () => {
    const ru = await pageIn('ru');
    await ru.goto(`${harness.base}/signup`);
    await ru.getByLabel('Эл. почта').fill(`short-${Date.now()}@example.test`);
    await ru.getByLabel('Пароль').fill('short');
    await ru.getByLabel('Имя').fill('Айгерим');
    await ru.getByLabel('Фамилия').fill('Тестова');
    await ru.locator('form').getByRole('button', { name: 'Регистрация' }).click();
    expect(await alertText(ru)).toBe('Пароль слишком короткий: нужно не меньше 8 символов.');
  });
});
