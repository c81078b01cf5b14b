import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../platform/errors.ts';
import { canTransition, nextStatus, OPEN_STATUSES, type BookingAction } from './booking.state.ts';
import type { BookingStatus } from './sales.tables.ts';

/** An independent statement of the rules, as the seeds word them, to check the table against. */
function modelNext(status: BookingStatus, action: BookingAction): BookingStatus | 'illegal' {
  const open = status === 'CREATED' || status === 'PENDING';
  switch (action) {
    case 'checkout':
      return status === 'CREATED' ? 'PENDING' : 'illegal';
    case 'confirm':
      return open ? 'CONFIRMED' : 'illegal';
    case 'expire':
      return open ? 'EXPIRED' : 'illegal';
    case 'cancel':
      return open || status === 'CONFIRMED' ? 'CANCELLED' : 'illegal';
    case 'complete':
      return status === 'CONFIRMED' ? 'COMPLETED' : 'illegal';
    case 'pay-late':
      return status === 'EXPIRED' ? 'CONFIRMED' : 'illegal';
  }
}

const actions: BookingAction[] = ['checkout', 'confirm', 'cancel', 'expire', 'complete', 'pay-late'];

describe('the booking state machine', () => {
  it('follows the model for every sequence of actions', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...actions), { maxLength: 12 }), (sequence) => {
        let status: BookingStatus = 'CREATED';
        for (const action of sequence) {
          const expected = modelNext(status, action);
          if (expected === 'illegal') {
            expect(canTransition(status, action)).toBe(false);
            expect(() => nextStatus(status, action)).toThrow(DomainError);
          } else {
            expect(nextStatus(status, action)).toBe(expected);
            status = expected;
          }
        }
        // Terminal states accept nothing that would bring inventory back into a hold (a late
        // payment re-sells an EXPIRED booking's inventory outright, never holds it).
        if (status === 'CANCELLED' || status === 'EXPIRED' || status === 'COMPLETED') {
          for (const action of actions) expect(canTransition(status, action)).toBe(status === 'EXPIRED' && action === 'pay-late');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('calls exactly CREATED and PENDING open', () => {
    expect([...OPEN_STATUSES].sort()).toEqual(['CREATED', 'PENDING']);
  });

  it('answers an illegal move with a 409 problem naming the status and the action', () => {
    try {
      nextStatus('EXPIRED', 'confirm');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        kind: 'conflict',
        code: 'illegal-booking-transition',
        details: { booking_status: 'EXPIRED', action: 'confirm' },
      });
    }
  });
});
