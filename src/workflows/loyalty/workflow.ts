/**
 * One accrual workflow per uploaded order number (`accrual-<number>`): ask the accrual
 * system until its answer is final, then record it and credit the points exactly once.
 *
 * The engine does the hard parts: a durable timer between non-final answers, retries
 * with back-off while the accrual system fails or is down, and a 429's Retry-After as
 * the next retry delay (the activity also closes the shared gate so no worker asks
 * before then). Crediting is exactly-once in the database, so a replay or a retried
 * activity cannot pay twice.
 */
import { continueAsNew, patched, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { createAccrualActivities } from '../../activities/loyalty/accrual-client';
import type { createLoyaltyActivities } from '../../activities/loyalty/activities';
import { nextPollDelayMs, unregisteredHorizonPassed } from '../../domain/loyalty/polling';
import { interpretAccrualAnswer } from '../../domain/loyalty/status';
import type { AccrualResumeState, AccrualRunSettings, AccrualWorkflowInput, AccrualWorkflowResult } from './types';

type LoyaltyActivities = ReturnType<typeof createLoyaltyActivities>;
type AccrualActivities = ReturnType<typeof createAccrualActivities>;

const { accrualSettings, markAccrualGaveUp, markAccrualPolling, markProcessing, settleAccrual } = proxyLocalActivities<LoyaltyActivities>({
  startToCloseTimeout: '10 seconds',
});

function accrualRequests(settings: AccrualRunSettings) {
  return proxyActivities<AccrualActivities>({
    taskQueue: settings.accrualTaskQueue,
    // Covers waiting for the send token (the gate row) plus the HTTP timeout.
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: settings.retryInitialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: settings.retryMaxIntervalMs,
      // No maximum attempts: an accrual system down for hours only delays the order.
    },
  });
}

/**
 * This workflow owns `accrual_gave_up_at`: set when it gives up, cleared when polling starts
 * again, so start-up recovery resumes exactly the orders still awaiting accrual. Runs started
 * before this existed record neither, and replay unchanged.
 */
const RECORDS_GIVE_UP = 'accrual-records-give-up';

export async function accrualWorkflow(input: AccrualWorkflowInput): Promise<AccrualWorkflowResult> {
  if (!input.resume && patched(RECORDS_GIVE_UP)) await markAccrualPolling(input.number);
  const state: AccrualResumeState = input.resume ?? {
    settings: await accrualSettings(),
    shownProcessing: false,
    consecutiveUnregistered: 0,
  };
  const { checkAccrual } = accrualRequests(state.settings);

  for (let poll = 0; poll < state.settings.pollsPerRun; poll++) {
    const verdict = interpretAccrualAnswer(await checkAccrual(input.number));
    if (verdict.final) {
      await settleAccrual({ number: input.number, ...verdict });
      return verdict.status === 'PROCESSED'
        ? { status: 'PROCESSED', accrualCents: verdict.accrualCents }
        : { status: 'INVALID' };
    }
    if (verdict.status === 'PROCESSING' && !state.shownProcessing) {
      await markProcessing(input.number);
      state.shownProcessing = true;
    }
    if (verdict.unregistered) {
      state.consecutiveUnregistered++;
      state.unregisteredSinceMs ??= Date.now(); // workflow time: deterministic on replay
      if (unregisteredHorizonPassed(state.settings, state.unregisteredSinceMs, Date.now())) {
        if (patched(RECORDS_GIVE_UP)) await markAccrualGaveUp(input.number);
        return { status: state.shownProcessing ? 'PROCESSING' : 'NEW', gaveUp: true };
      }
    } else {
      state.consecutiveUnregistered = 0;
      delete state.unregisteredSinceMs;
    }
    await sleep(nextPollDelayMs(state.settings, state.consecutiveUnregistered));
  }
  return continueAsNew<typeof accrualWorkflow>({ number: input.number, resume: state });
}
