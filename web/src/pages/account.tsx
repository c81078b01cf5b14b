import { useState, type SyntheticEvent } from 'react';
import { api, signIn } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { navigate } from '../router.ts';
import { ErrorText, Link } from '../ui.tsx';

export function AuthPage(props: { mode: 'signin' | 'signup'; next: string }) {
  const { t, locale } = useI18n();
  const [form, setForm] = useState({ email: '', password: '', first_name: '', surname: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [name]: event.target.value });
  const onSubmit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (props.mode === 'signup') await api.post('/api/auth/register', { body: { ...form, locale } });
      await signIn(form.email, form.password);
      navigate(props.next.startsWith('/') ? props.next : '/');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const signup = props.mode === 'signup';
  return (
    <main className="narrow-page">
      <h1>{signup ? t.signUp : t.signIn}</h1>
      <form className="stack" onSubmit={(event) => void onSubmit(event)}>
        <label>
          {t.email}
          <input type="email" name="email" autoComplete="email" required value={form.email} onChange={set('email')} />
        </label>
        <label>
          {t.password}
          <input
            type="password"
            name="password"
            autoComplete={signup ? 'new-password' : 'current-password'}
            required
            value={form.password}
            onChange={set('password')}
          />
        </label>
        {signup && (
          <>
            <label>
              {t.firstName}
              <input name="first_name" autoComplete="given-name" required value={form.first_name} onChange={set('first_name')} />
            </label>
            <label>
              {t.surname}
              <input name="surname" autoComplete="family-name" required value={form.surname} onChange={set('surname')} />
            </label>
          </>
        )}
        <ErrorText error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {signup ? t.signUp : t.signIn}
        </button>
      </form>
      <p>
        <Link to={`${signup ? '/signin' : '/signup'}?next=${encodeURIComponent(props.next)}`}>
          {signup ? t.haveAccount : t.noAccount}
        </Link>
      </p>
    </main>
  );
}
