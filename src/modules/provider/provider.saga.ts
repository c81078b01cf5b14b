import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { describeError } from '../../platform/errors.ts';
import type { ProviderClient, ProviderOrder } from './provider.client.ts';
import { ProviderCallError, ProviderUnavailableError } from './provider.errors.ts';
import {
  addOrderPlace,
  findBookingOrder,
  forgetBookingOrder,
  placesOfOrder,
  placesOfSeats,
  removeOrderPlace,
} from './provider.orders.repository.ts';
import type { SalesForProvider, SeatOwnershipService } from './provider.ownership.ts';
import type { ProviderDb } from './provider.repository.ts';
import {
  claimDueSagas,
  finishSaga,
  markSagaProgress,
  parkSaga,
  retrySagaLater,
  type SagaRow,
} from './provider.sagas.repository.ts';

/**
 * The order saga (decision record 0025): a booking's provider order driven to its goal — after
 * payment, CONFIRMED with exactly the booking's places; after a cancellation, CANCELLED while it
 * still can be. Its state lives in provider.sagas and its order in provider.booking_orders, each
 * written before the step that relies on it, so a run cut short anywhere (a crash, SIGKILL) is
 * resumed by the next one from what the provider says: it READS the order and its places and
 * never starts a second order while the first can still be used.
 */

export interface SagaOptions {
  /** How long a process owns a saga it took (a crashed holder's sagas are taken over after it). */
  leaseMs: number;
  /** A saga making no progress this long is parked for an operator. */
  parkAfterMs: number;
  /** Whether a paid booking whose seats the provider sold elsewhere is cancelled and refunded at once. */
  refundGone: boolean;
  /** How long one run waits for the provider's lag (places joining the order), polling. */
  joinWaitMs: number;
  logger: Logger;
  registry?: Registry | undefined;
}

/** Sagas taken per run, and driven at once. */
const CLAIM = 64;
const AT_ONCE = 16;
const POLL_EVERY_MS = 50;
/** Runs a doubtful place must stay taken, with the order short of it, before the seats count as gone. */
const GONE_AFTER_RUNS = 2;

type Step =
  | { kind: 'done'; outcome: string }
  | { kind: 'retry'; error: string; delayMs?: number }
  | { kind: 'park'; reason: 'seats-gone' | 'place-unknown' | 'seat-not-linked'; error: string };

class Retry extends Error {}

export class OrderSagas {
  readonly instanceId = randomUUID();
  private readonly db: ProviderDb;
  private readonly client: ProviderClient;
  private readonly ownership: SeatOwnershipService;
  private readonly sales: SalesForProvider;
  private readonly options: SagaOptions;
  private readonly finished: Counter<'goal' | 'outcome'> | undefined;

  constructor(
    db: ProviderDb,
    parts: { client: ProviderClient; ownership: SeatOwnershipService; sales: SalesForProvider },
    options: SagaOptions,
  ) {
    this.db = db;
    this.client = parts.client;
    this.ownership = parts.ownership;
    this.sales = parts.sales;
    this.options = options;
    this.finished =
      options.registry &&
      new Counter({
        name: 'provider_sagas_total',
        help: 'Provider order sagas by goal and what came of a run: done, retry, parked.',
        labelNames: ['goal', 'outcome'],
        registers: [options.registry],
      });
  }

  /** One run of the periodic job: the due sagas, AT_ONCE at a time. Returns how many were driven. */
  async runDue(): Promise<number> {
    const sagas = await claimDueSagas(this.db, { limit: CLAIM, leaseMs: this.options.leaseMs, by: this.instanceId });
    let next = 0;
    const worker = async () => {
      while (next < sagas.length) {
        const saga = sagas[next];
        next += 1;
        if (saga) await this.runOne(saga);
      }
    };
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, sagas.length) }, worker));
    return sagas.length;
  }

  private async runOne(saga: SagaRow): Promise<void> {
    let step: Step;
    try {
      step = saga.goal === 'confirm' ? await this.confirm(saga) : await this.cancel(saga);
    } catch (error) {
      step = {
        kind: 'retry',
        error: error instanceof ProviderCallError ? String(error.cause) : describeError(error),
        ...(error instanceof ProviderUnavailableError ? { delayMs: Number(error.details.retry_after_seconds) * 1000 } : {}),
      };
    }
    const by = this.instanceId;
    if (step.kind === 'done') {
      await finishSaga(this.db, saga, by, step.outcome);
      this.finished?.inc({ goal: saga.goal, outcome: 'done' });
      return;
    }
    if (step.kind === 'park') {
      await parkSaga(this.db, saga, by, { reason: step.reason, error: step.error });
      this.finished?.inc({ goal: saga.goal, outcome: 'parked' });
      this.options.logger.warn({ bookingId: saga.booking_id, reason: step.reason }, 'provider saga parked');
      if (step.reason === 'seats-gone' && this.options.refundGone) {
        await this.sales.giveUpPaid(saga.booking_id, 'the venue sold these seats to someone else; refunded');
      }
      return;
    }
    const delayMs = step.delayMs ?? Math.min(500 * 2 ** saga.attempts, 10_000);
    const state = await retrySagaLater(this.db, saga, by, { error: step.error, delayMs, parkAfterMs: this.options.parkAfterMs });
    this.finished?.inc({ goal: saga.goal, outcome: state === 'parked' ? 'parked' : 'retry' });
  }

  /** After payment: the booking's places in its order, the order submitted and confirmed. */
  private async confirm(saga: SagaRow): Promise<Step> {
    const links = await placesOfSeats(this.db, saga.seat_ids);
    const wanted = saga.seat_ids.map((seatId) => links.get(seatId));
    if (wanted.some((place) => place === undefined)) {
      return { kind: 'park', reason: 'seat-not-linked', error: 'a seat of the booking has no provider place' };
    }
    const places = wanted as string[];
    let orderId = await findBookingOrder(this.db, saga.booking_id);
    let order = orderId ? await this.client.getOrder(orderId) : undefined;
    if (order?.status === 'CONFIRMED') return { kind: 'done', outcome: 'confirmed' };
    if (order?.status !== 'SUBMITTED') {
      if (orderId && (!order || order.status === 'CANCELLED')) {
        // The provider no longer has it, or it was cancelled: it can never be confirmed. Forgotten, then a new one.
        await forgetBookingOrder(this.db, saga.booking_id, orderId);
        orderId = undefined;
      }
      orderId ??= await this.ownership.openOrder(saga.booking_id, saga.event_id);
      await this.fillOrder(saga, orderId, places);
      order = await this.waitForPlaces(orderId, places);
      if (order.places_count !== places.length) return this.explainShortOrder(saga, orderId, places);
      await markSagaProgress(this.db, saga, this.instanceId);
      const submitted = await this.client.submitOrder(orderId);
      if (submitted.status !== 200) {
        const now = await this.client.getOrder(orderId);
        if (now?.status !== 'SUBMITTED' && now?.status !== 'CONFIRMED') throw new Retry(`submit answered ${submitted.status}`);
      }
    }
    if (!orderId) throw new Retry('no order');
    const confirmed = await this.client.confirmOrder(orderId);
    if (confirmed.status !== 200 && (await this.client.getOrder(orderId))?.status !== 'CONFIRMED') {
      throw new Retry(`confirm answered ${confirmed.status}`);
    }
    return { kind: 'done', outcome: 'confirmed' };
  }

  /**
   * The order holds the booking's places and nothing else: places no longer wanted (released here
   * with the release's answer lost to the lag) are released; wanted places not yet asked for are
   * selected. "Already selected for this order" is only known by the order filling up, so a 409
   * (ours with the answer lost, or someone else's) is noted and the count decides.
   */
  private async fillOrder(saga: SagaRow, orderId: string, places: readonly string[]): Promise<void> {
    const asked = new Set((await placesOfOrder(this.db, orderId)).map((row) => row.place_id));
    const wanted = new Set(places);
    for (const placeId of asked) {
      if (wanted.has(placeId)) continue;
      const { status } = await this.client.releasePlace(placeId);
      if (status === 204 || status === 403 || (await this.client.getPlace(placeId))?.is_free !== false) {
        await removeOrderPlace(this.db, orderId, placeId);
      } else throw new Retry(`a place no longer in booking ${saga.booking_id} is still joining its order`);
    }
    for (const placeId of places) {
      if (asked.has(placeId)) continue;
      // Noted before asking: if the answer is lost, the next run knows it may be in the order.
      await addOrderPlace(this.db, orderId, placeId);
      const { status } = await this.client.selectPlace(placeId, orderId);
      if (status === 204) await addOrderPlace(this.db, orderId, placeId, true);
      if (status === 500) {
        const place = await this.client.getPlace(placeId);
        if (place?.is_free) {
          await removeOrderPlace(this.db, orderId, placeId);
          throw new Retry('a select failed and its place is still free');
        }
      }
    }
  }

  /** The order as soon as it has all `places` joined, or as it stands after joinWaitMs. */
  private async waitForPlaces(orderId: string, places: readonly string[]): Promise<ProviderOrder> {
    const deadline = Date.now() + this.options.joinWaitMs;
    for (;;) {
      const order = await this.client.getOrder(orderId);
      if (!order) throw new Retry('the order vanished at the provider');
      if (order.status !== 'STARTED' || order.places_count >= places.length || Date.now() >= deadline) return order;
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    }
  }

  /**
   * The order did not fill up in time. Places the provider accepted (204) are ours and only lag
   * behind: wait. A wanted place that reads free was never really selected: asked again next run.
   * Places asked with no yes (a 409, a lost answer) that stay taken while the order stays short of
   * them, run after run, are someone else's: the seats are gone (parked; refunded if so configured).
   */
  private async explainShortOrder(saga: SagaRow, orderId: string, places: readonly string[]): Promise<Step> {
    const order = await this.client.getOrder(orderId);
    if (order && order.places_count > places.length) throw new Retry('the order holds places the booking no longer has');
    if (!order || order.places_count === places.length) throw new Retry('the order filled up meanwhile');
    const accepted = new Set((await placesOfOrder(this.db, orderId)).filter((row) => row.accepted).map((row) => row.place_id));
    const doubtful = places.filter((placeId) => !accepted.has(placeId));
    if (doubtful.length === 0) throw new Retry('waiting for the provider to join the accepted places');
    let free = 0;
    for (const placeId of doubtful) {
      const place = await this.client.getPlace(placeId);
      if (!place) return { kind: 'park', reason: 'place-unknown', error: `the provider does not know place ${placeId}` };
      if (place.is_free) {
        free += 1;
        await removeOrderPlace(this.db, orderId, placeId);
      }
    }
    if (free > 0) throw new Retry(`${free} place(s) still free: selected again next run`);
    if (saga.attempts < GONE_AFTER_RUNS) throw new Retry(`${doubtful.length} place(s) taken and not joining the order yet`);
    return {
      kind: 'park',
      reason: 'seats-gone',
      error: `the order holds ${order.places_count} of ${places.length} places and the rest are taken by someone else at the provider`,
    };
  }

  /** After a cancellation, expiry or refund: the order cancelled while it still can be. */
  private async cancel(saga: SagaRow): Promise<Step> {
    const orderId = await findBookingOrder(this.db, saga.booking_id);
    if (!orderId) return { kind: 'done', outcome: 'no-order' };
    const order = await this.client.getOrder(orderId);
    if (!order) return { kind: 'done', outcome: 'unknown-at-provider' };
    if (order.status === 'CANCELLED') return { kind: 'done', outcome: 'cancelled' };
    if (order.status === 'CONFIRMED') return { kind: 'done', outcome: 'confirmed-not-cancellable' };
    const answer = await this.client.cancelOrder(orderId);
    if (answer.status === 200) return { kind: 'done', outcome: 'cancelled' };
    const now = await this.client.getOrder(orderId);
    if (now?.status === 'CANCELLED') return { kind: 'done', outcome: 'cancelled' };
    if (now?.status === 'CONFIRMED') return { kind: 'done', outcome: 'confirmed-not-cancellable' };
    throw new Retry(`cancel answered ${answer.status}`);
  }
}
