import { createContext, useContext } from 'react';
import * as attendee from './pages/attendee.strings.ts';
import * as organizer from './pages/organizer.strings.ts';
import * as promo from './pages/promo.strings.ts';
import * as scanner from './pages/scanner.strings.ts';
import * as rentals from './pages/rentals.strings.ts';
import * as studio from './pages/studio.strings.ts';
import * as queue from './pages/queue.strings.ts';

const common = {
  brand: 'Sbor',
  events: 'Events',
  myBookings: 'My bookings',
  myTickets: 'My tickets',
  scanner: 'Scanner',
  organizer: 'Organizer',
  signIn: 'Sign in',
  signUp: 'Sign up',
  signOut: 'Sign out',
  language: 'Language',
  date: 'Date',
  type: 'Type',
  any: 'Any',
  loading: 'Loading…',
  ticketTypes: 'Tickets',
  left: 'left',
  quantity: 'Quantity',
  seatMap: 'Seat map',
  free: 'Free',
  held: 'Held',
  sold: 'Sold',
  selected: 'Selected',
  zoomIn: 'Zoom in',
  zoomOut: 'Zoom out',
  resetView: 'Whole hall',
  row: 'Row',
  seat: 'Seat',
  booking: 'Booking',
  status: 'Status',
  total: 'Total',
  statusCREATED: 'Held',
  statusPENDING: 'Awaiting payment',
  statusCONFIRMED: 'Paid',
  statusCOMPLETED: 'Completed',
  statusCANCELLED: 'Cancelled',
  statusEXPIRED: 'Expired',
  ticket: 'Ticket',
  eventId: 'Event id',
  zoneName: 'Zone',
  bookings: 'Bookings',
  all: 'All',
  seats: 'Seats',
  error: 'Something went wrong',
  close: 'Close',
  needSignIn: 'Please sign in first.',
} as const;

const en = { ...common, ...attendee.en, ...organizer.en, ...promo.en, ...scanner.en, ...rentals.en, ...studio.en, ...queue.en };
export type Strings = Record<keyof typeof en, string>;

const ru: Strings = {
  ...attendee.ru,
  ...organizer.ru,
  ...promo.ru,
  ...scanner.ru,
  ...rentals.ru,
  ...studio.ru,
  ...queue.ru,
  brand: 'Sbor',
  events: 'События',
  myBookings: 'Мои брони',
  myTickets: 'Мои билеты',
  scanner: 'Контроль',
  organizer: 'Организатор',
  signIn: 'Войти',
  signUp: 'Регистрация',
  signOut: 'Выйти',
  language: 'Язык',
  date: 'Дата',
  type: 'Тип',
  any: 'Любой',
  loading: 'Загрузка…',
  ticketTypes: 'Билеты',
  left: 'осталось',
  quantity: 'Количество',
  seatMap: 'Схема зала',
  free: 'Свободно',
  held: 'Бронь',
  sold: 'Продано',
  selected: 'Выбрано',
  zoomIn: 'Приблизить',
  zoomOut: 'Отдалить',
  resetView: 'Весь зал',
  row: 'Ряд',
  seat: 'Место',
  booking: 'Бронь',
  status: 'Статус',
  total: 'Итого',
  statusCREATED: 'Удерживается',
  statusPENDING: 'Ожидает оплаты',
  statusCONFIRMED: 'Оплачена',
  statusCOMPLETED: 'Завершена',
  statusCANCELLED: 'Отменена',
  statusEXPIRED: 'Истекла',
  ticket: 'Билет',
  eventId: 'Номер события',
  zoneName: 'Зона',
  bookings: 'Брони',
  all: 'Все',
  seats: 'Места',
  error: 'Что-то пошло не так',
  close: 'Закрыть',
  needSignIn: 'Сначала войдите.',
};

export const dictionaries: Record<'ru' | 'en', Strings> = { ru, en };
export type Locale = keyof typeof dictionaries;

export function initialLocale(): Locale {
  const saved = localStorage.getItem('sbor.locale');
  if (saved === 'ru' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'ru';
}

export const I18n = createContext<{ t: Strings; locale: Locale; setLocale: (locale: Locale) => void }>({
  t: ru,
  locale: 'ru',
  setLocale: () => undefined,
});

export function useI18n() {
  return useContext(I18n);
}
