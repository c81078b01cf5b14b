import type { ReactNode } from 'react';
import { signedIn } from '../api.ts';
import { match } from '../router.ts';
import { AuthPage } from './account.tsx';
import { HallPage } from './rentals.hall.tsx';
import { MyRentalsPage, RentalPage, RentalPaymentReturn, rentalOfOrder } from './rentals.rental.tsx';
import { StudioPage, StudiosPage } from './rentals.tsx';

/**
 * The renter's pages, for main.tsx's router: the page for `path`, or null when it is not one of
 * ours. Studios and halls are public; a rental and the list of mine ask to sign in first and come
 * back. The gateway's return for a rental's order comes here too.
 */
export function rentalsPage(path: string, query: URLSearchParams): ReactNode | null {
  if (/^\/(rentals|account\/rentals)(\/|$)/.test(path) && !signedIn())
    return <AuthPage mode="signin" next={`${path}${window.location.search}`} />;
  if (path === '/payment-result' && rentalOfOrder(query.get('orderId')))
    return <RentalPaymentReturn orderId={query.get('orderId') ?? ''} outcome={query.get('outcome') ?? ''} />;
  if (path === '/studios') return <StudiosPage />;
  if (path === '/account/rentals') return <MyRentalsPage />;
  let params = match('/studios/:slug', path);
  if (params) return <StudioPage key={params.slug} slug={params.slug ?? ''} />;
  params = match('/halls/:id', path);
  if (params) return <HallPage key={params.id} id={Number(params.id)} query={query} />;
  params = match('/rentals/:id', path);
  if (params) return <RentalPage key={params.id} id={Number(params.id)} query={query} />;
  return null;
}
