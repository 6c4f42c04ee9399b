/** The loyalty programme's pure rules: Luhn, money in cents, accrual answers, polling, Retry-After. */
import assert from 'node:assert/strict';
import { accrualWorkflowId } from '../../src/domain/loyalty/ids';
import { isDigits, isLuhnValid, isOrderNumber, luhnCheckDigit, MAX_ORDER_NUMBER_LENGTH, sameOrderNumber, withLuhnCheckDigit } from '../../src/domain/loyalty/luhn';
import { fromCents, MoneyError, toCents, toExactCents } from '../../src/domain/loyalty/money';
import { nextPollDelayMs, unregisteredHorizonPassed, type PollingSettings } from '../../src/domain/loyalty/polling';
import { parseRetryAfter } from '../../src/domain/loyalty/retry-after';
import { ACCRUAL_STATUSES, interpretAccrualAnswer, isFinalStatus, LOYALTY_STATUSES, statusRank } from '../../src/domain/loyalty/status';

describe('loyalty rules (src/domain/loyalty)', () => {
  describe('Luhn', () => {
    it('accepts known-valid numbers, including the contract examples and leading zeros', () => {
      for (const number of ['0', '18', '79927398713', '12345678903', '9278923470', '2377225624', '4561261212345467', '0012345678903', '00']) {
        assert.equal(isLuhnValid(number), true, number);
      }
    });

    it('rejects every single-digit change and every adjacent swap of a valid number', () => {
      const valid = '79927398713';
      for (let i = 0; i < valid.length; i++) {
        for (let d = 0; d <= 9; d++) {
          if (String(d) === valid[i]) continue;
          assert.equal(isLuhnValid(valid.slice(0, i) + d + valid.slice(i + 1)), false, `digit ${i} → ${d}`);
        }
      }
      for (let i = 0; i + 1 < valid.length; i++) {
        if (valid[i] === valid[i + 1] || Math.abs(Number(valid[i]) - Number(valid[i + 1])) === 9) continue; // Luhn's known blind spot (09 ↔ 90)
        const swapped = valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2);
        assert.equal(isLuhnValid(swapped), false, `swap at ${i}`);
      }
    });

    it('rejects anything that is not a string of digits', () => {
      for (const text of ['', ' 18', '18 ', '1-8', '１８', '+18', '1.8', 'abc', '0x12', '1e3']) assert.equal(isLuhnValid(text), false, JSON.stringify(text));
      assert.equal(isDigits('9'.repeat(MAX_ORDER_NUMBER_LENGTH)), true);
      assert.equal(isDigits('9'.repeat(MAX_ORDER_NUMBER_LENGTH + 1)), false);
    });

    it('takes as order numbers the Luhn-valid ones except zero, and compares them without leading zeros', () => {
      for (const number of ['18', '0018', '79927398713']) assert.equal(isOrderNumber(number), true, number);
      for (const number of ['0', '00', '000000', '19', '', '1a']) assert.equal(isOrderNumber(number), false, number);
      assert.equal(sameOrderNumber('0018', '18'), true);
      assert.equal(sameOrderNumber('18', '0018'), true);
      assert.equal(sameOrderNumber('0', '000'), true);
      assert.equal(sameOrderNumber('18', '180'), false);
      assert.equal(sameOrderNumber('0018', '0081'), false);
    });

    it('derives check digits that make any payload valid, for long numbers too', () => {
      assert.equal(luhnCheckDigit('7992739871'), '3');
      for (const payload of ['0', '1', '000123', '98765432109876543210123', '5'.repeat(40)]) {
        const number = withLuhnCheckDigit(payload);
        assert.equal(isLuhnValid(number), true, number);
        assert.equal(number.slice(0, -1), payload);
      }
      assert.throws(() => luhnCheckDigit('12a'));
    });
  });

  describe('money (integer cents)', () => {
    it('rounds half-up from the decimal spelling, not the binary double', () => {
      const cases: [number, number][] = [
        [729.975, 72998], [1.005, 101], [0.125, 13], [0.124, 12], [0.995, 100], [2.675, 268],
        [0, 0], [0.004, 0], [0.005, 1], [500, 50000], [751, 75100], [14599.5, 1459950], [1e-7, 0], [0.1 + 0.2, 30],
      ];
      for (const [amount, cents] of cases) assert.equal(toCents(amount), cents, String(amount));
    });

    it('takes amounts clients ask for only exactly: at most two decimals', () => {
      for (const [amount, cents] of [[1000.95, 100095], [0.01, 1], [12.5, 1250], [751, 75100]] as const) assert.equal(toExactCents(amount), cents);
      for (const bad of [0.005, 1.005, 0.001, 1e-7, 0.1 + 0.2, -1, Number.NaN]) assert.throws(() => toExactCents(bad), MoneyError, String(bad));
    });

    it('refuses negative, non-finite and unrepresentably large amounts', () => {
      for (const bad of [-0.01, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 1e17]) assert.throws(() => toCents(bad), MoneyError, String(bad));
    });

    it('shows cents as numbers with at most two decimals', () => {
      const cases: [number | bigint, number][] = [[72998, 729.98], [1, 0.01], [10, 0.1], [0n, 0], [62948n, 629.48], [123456789012n, 1234567890.12]];
      for (const [cents, shown] of cases) {
        assert.equal(fromCents(cents), shown);
        assert.match(String(fromCents(cents)), /^\d+(\.\d{1,2})?$/);
      }
      for (let cents = 0; cents < 10_000; cents += 7) assert.equal(toCents(fromCents(cents)), cents, 'round trip');
    });
  });

  describe('accrual answers → statuses', () => {
    it('maps every answer of the accrual system', () => {
      assert.deepEqual(interpretAccrualAnswer({ kind: 'unregistered' }), { final: false, status: 'NEW', unregistered: true });
      assert.deepEqual(interpretAccrualAnswer({ kind: 'status', status: 'REGISTERED' }), { final: false, status: 'PROCESSING', unregistered: false });
      assert.deepEqual(interpretAccrualAnswer({ kind: 'status', status: 'PROCESSING' }), { final: false, status: 'PROCESSING', unregistered: false });
      assert.deepEqual(interpretAccrualAnswer({ kind: 'status', status: 'INVALID' }), { final: true, status: 'INVALID' });
      assert.deepEqual(interpretAccrualAnswer({ kind: 'status', status: 'PROCESSED', accrualCents: 500 }), { final: true, status: 'PROCESSED', accrualCents: 500 });
      assert.deepEqual(interpretAccrualAnswer({ kind: 'status', status: 'PROCESSED' }), { final: true, status: 'PROCESSED', accrualCents: 0 });
      assert.equal(ACCRUAL_STATUSES.length, 4);
    });

    it('never makes a 204 final and ranks statuses so they only move forward', () => {
      assert.equal(interpretAccrualAnswer({ kind: 'unregistered' }).final, false);
      assert.deepEqual(LOYALTY_STATUSES.filter(isFinalStatus), ['INVALID', 'PROCESSED']);
      assert.ok(statusRank('NEW') < statusRank('PROCESSING'));
      assert.ok(statusRank('PROCESSING') < statusRank('PROCESSED') && statusRank('PROCESSED') === statusRank('INVALID'));
    });

    it('derives the workflow id from the number', () => {
      assert.equal(accrualWorkflowId('0012345678903'), 'accrual-0012345678903');
    });
  });

  describe('polling schedule', () => {
    const settings: PollingSettings = { pollIntervalMs: 1000, unregisteredInitialDelayMs: 500, unregisteredMaxDelayMs: 8000, unregisteredHorizonMs: 60_000 };

    it('re-polls non-final answers at the steady interval and backs off 204s up to the cap', () => {
      assert.equal(nextPollDelayMs(settings, 0), 1000);
      assert.deepEqual([1, 2, 3, 4, 5, 6, 100].map((n) => nextPollDelayMs(settings, n)), [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    });

    it('gives up on an unregistered order only after the horizon', () => {
      assert.equal(unregisteredHorizonPassed(settings, 1000, 60_999), false);
      assert.equal(unregisteredHorizonPassed(settings, 1000, 61_000), true);
    });
  });

  describe('Retry-After', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    it('reads delta-seconds and HTTP dates', () => {
      assert.deepEqual(parseRetryAfter('60', now, 1000, 600_000), { delayMs: 60_000, capped: false });
      assert.deepEqual(parseRetryAfter(' 0 ', now, 1000, 600_000), { delayMs: 0, capped: false });
      assert.deepEqual(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now, 1000, 600_000), { delayMs: 30_000, capped: false });
      assert.deepEqual(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now, 1000, 600_000), { delayMs: 0, capped: false });
    });

    it('falls back when missing or unreadable, and caps absurd values', () => {
      assert.deepEqual(parseRetryAfter(null, now, 1000, 600_000), { delayMs: 1000, capped: false });
      assert.deepEqual(parseRetryAfter('soon', now, 1000, 600_000), { delayMs: 1000, capped: false });
      assert.deepEqual(parseRetryAfter('-5', now, 1000, 600_000), { delayMs: 1000, capped: false });
      assert.deepEqual(parseRetryAfter('86400000', now, 1000, 600_000), { delayMs: 600_000, capped: true });
      assert.deepEqual(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', now, 1000, 600_000), { delayMs: 600_000, capped: true });
    });
  });
});
