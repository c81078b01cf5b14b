import { useState, type SyntheticEvent } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ErrorText, useAction } from '../ui.tsx';
import { fieldProblems, toMajor, toMinor, WEEKDAYS, type Hall, type Weekday } from './studio.api.ts';
import { FieldProblem } from './studio.fields.tsx';
import { ClockSelect } from './studio.hall.tsx';

interface BandForm {
  name: string;
  days: Weekday[];
  from: string;
  to: string;
  price: string;
}
interface TariffForm {
  currency: string;
  bands: BandForm[];
  holidays: { date: string; band: string }[];
  minimum: string;
}

const WEEKDAYS_ONLY: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

function formOf(hall: Hall): TariffForm {
  const tariff = hall.tariff;
  if (!tariff)
    return {
      currency: 'KZT',
      bands: [{ name: 'День', days: WEEKDAYS_ONLY, from: '09:00', to: '18:00', price: '' }],
      holidays: [],
      minimum: '0',
    };
  return {
    currency: tariff.currency,
    bands: tariff.bands.map((band) => ({ ...band, price: toMajor(band.price_per_hour) })),
    holidays: tariff.holidays,
    minimum: toMajor(tariff.minimum_charge),
  };
}

/**
 * The hall's tariff: bands of weekdays and local hours with a price per hour (the first listed band
 * covering a quarter hour prices it), holidays priced as a chosen band, a minimum charge. Money is
 * typed in major units and sent in minor units, as the event editor does prices.
 */
export function TariffEditor(props: { hall: Hall; onSaved: () => Promise<void> }) {
  const { t } = useI18n();
  const [form, setForm] = useState<TariffForm>(formOf(props.hall));
  const [done, setDone] = useState(false);
  const { error, busy, run } = useAction();
  const problems = fieldProblems(error);
  const change = (next: TariffForm) => {
    setDone(false);
    setForm(next);
  };
  const setBand = (index: number, next: Partial<BandForm>) =>
    change({ ...form, bands: form.bands.map((band, at) => (at === index ? { ...band, ...next } : band)) });
  const toggleDay = (index: number, day: Weekday) => {
    const days = form.bands[index]?.days ?? [];
    setBand(index, {
      days: days.includes(day) ? days.filter((other) => other !== day) : WEEKDAYS.filter((d) => d === day || days.includes(d)),
    });
  };
  const save = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void run(async () => {
      await api.put('/api/halls/{id}/tariffs', {
        path: { id: props.hall.id },
        body: {
          currency: form.currency.trim().toUpperCase(),
          bands: form.bands.map((band) => ({
            name: band.name,
            days: band.days,
            from: band.from,
            to: band.to,
            price_per_hour: toMinor(band.price),
          })),
          holidays: form.holidays,
          minimum_charge: toMinor(form.minimum || '0'),
        },
      });
      setDone(true);
      await props.onSaved();
    });
  };
  return (
    <form className="card stack" onSubmit={save} aria-labelledby="tariff" noValidate>
      <h2 id="tariff">{t.studioTariff}</h2>
      {!props.hall.tariff && <p className="warn-text">{t.studioNoTariffYet}</p>}
      <p className="muted small">{t.studioTariffNote}</p>
      <label>
        {t.studioCurrency}
        <input
          name="tariff-currency"
          className="narrow"
          value={form.currency}
          maxLength={3}
          onChange={(e) => change({ ...form, currency: e.target.value.toUpperCase() })}
        />
        <FieldProblem problems={problems} name="currency" />
      </label>
      <fieldset className="stack">
        <legend>{t.studioBands}</legend>
        {form.bands.map((band, index) => (
          <div className="studio-band" key={index} role="group" aria-label={`${t.studioBand} ${index + 1}`}>
            <label>
              {t.studioBandName}
              <input
                name={`band-${index}-name`}
                value={band.name}
                maxLength={50}
                onChange={(e) => setBand(index, { name: e.target.value })}
              />
            </label>
            <div className="studio-days" role="group" aria-label={t.studioBandDays}>
              {WEEKDAYS.map((day) => (
                <label className="org-check" key={day}>
                  <input
                    type="checkbox"
                    name={`band-${index}-${day}`}
                    checked={band.days.includes(day)}
                    onChange={() => toggleDay(index, day)}
                  />
                  {t[`studioDay${day}`]}
                </label>
              ))}
            </div>
            <div className="inline">
              <label>
                {t.studioFrom}
                <ClockSelect
                  name={`band-${index}-from`}
                  label={t.studioFrom}
                  value={band.from}
                  onChange={(from) => setBand(index, { from })}
                />
              </label>
              <label>
                {t.studioTo}
                <ClockSelect
                  name={`band-${index}-to`}
                  label={t.studioTo}
                  value={band.to}
                  onChange={(to) => setBand(index, { to })}
                  from={15}
                />
              </label>
              <label>
                {t.studioPricePerHour} ({form.currency})
                <input
                  name={`band-${index}-price`}
                  className="narrow"
                  inputMode="decimal"
                  value={band.price}
                  onChange={(e) => setBand(index, { price: e.target.value })}
                />
              </label>
              <button
                type="button"
                className="link danger-text"
                disabled={form.bands.length === 1}
                onClick={() => change({ ...form, bands: form.bands.filter((_, at) => at !== index) })}
              >
                {t.studioRemoveBand}
              </button>
            </div>
          </div>
        ))}
        <button
          type="button"
          onClick={() =>
            change({ ...form, bands: [...form.bands, { name: '', days: ['sat', 'sun'], from: '10:00', to: '22:00', price: '' }] })
          }
        >
          + {t.studioAddBand}
        </button>
        <FieldProblem problems={problems} name="bands" />
      </fieldset>
      <fieldset className="stack">
        <legend>{t.studioHolidays}</legend>
        <p className="muted small">{t.studioHolidaysNote}</p>
        {form.holidays.map((holiday, index) => (
          <div className="inline" key={index}>
            <label>
              {t.date}
              <input
                type="date"
                name={`holiday-${index}-date`}
                value={holiday.date}
                onChange={(e) =>
                  change({ ...form, holidays: form.holidays.map((h, at) => (at === index ? { ...h, date: e.target.value } : h)) })
                }
              />
            </label>
            <label>
              {t.studioPricedAs}
              <select
                name={`holiday-${index}-band`}
                value={holiday.band}
                onChange={(e) =>
                  change({ ...form, holidays: form.holidays.map((h, at) => (at === index ? { ...h, band: e.target.value } : h)) })
                }
              >
                {form.bands.map((band) => (
                  <option key={band.name} value={band.name}>
                    {band.name}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className="link danger-text"
              onClick={() => change({ ...form, holidays: form.holidays.filter((_, at) => at !== index) })}
            >
              {t.orgRemove}
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() =>
            change({ ...form, holidays: [...form.holidays, { date: '', band: form.bands[form.bands.length - 1]?.name ?? '' }] })
          }
        >
          + {t.studioAddHoliday}
        </button>
        <FieldProblem problems={problems} name="holidays" />
      </fieldset>
      <label>
        {t.studioMinimumCharge} ({form.currency})
        <input
          name="minimum-charge"
          className="narrow"
          inputMode="decimal"
          value={form.minimum}
          onChange={(e) => change({ ...form, minimum: e.target.value })}
        />
        <span className="muted small">{t.studioMinimumNote}</span>
        <FieldProblem problems={problems} name="minimum_charge" />
      </label>
      <ErrorText error={error} />
      {done && (
        <p className="ok-text" role="status">
          {t.orgSaved}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {t.studioSaveTariff}
      </button>
    </form>
  );
}
