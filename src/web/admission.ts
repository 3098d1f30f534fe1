/**
 * Whether the web tier takes new work now: the one place of its load-shedding rule. New work is refused at once
 * (503 with Retry-After, OverloadedError) when
 *  - memory: its body (Content-Length) does not fit in what is left of the body budget (`web.bodyBudgetBytes`,
 *    the bytes of request bodies held at once by this process), or
 *  - wait: the predicted wait for its answer, (recognitions in progress + 1) ÷ the measured answer rate, is above
 *    `web.maxQueueWaitMs` (default half the reply timeout), so that it would likely end in a 504. A recognition is
 *    in progress from the moment its upload is read and checked to its answer (an upload still arriving is not
 *    waiting for the app tier: a slow client must not make others look late); it is checked once before its body
 *    is read too, so that an overloaded process refuses without reading.
 * Work already accepted (an async job's re-send after a conflict) waits for room instead of being refused.
 */
import { OverloadedError } from '../domain/errors.js';
import type { AdmissionSnapshot } from '../domain/status-snapshot.js';
import { AnswerRate } from './answer-rate.js';

export interface AdmissionSettings {
  readonly bodyBudgetBytes: number;
  /**
   * The part of the budget only small bodies (at most SMALL_BODY_BYTES) may use, so that a flood of large uploads
   * does not refuse the normal, small ones (the course's images are a few KB). Default none.
   */
  readonly reservedForSmallBytes?: number;
  readonly maxQueueWaitMs: number;
  /** Answers per second assumed while none has been measured yet (the app tier's configured capacity). */
  readonly assumedAnswersPerSecond: number;
}

/** Bytes of the body budget held by one request or one copy; release() is idempotent. */
export interface BodyHold {
  release(): void;
}

/** One admitted recognition, in progress until released (idempotent). */
export interface RecognitionTicket {
  release(): void;
}

/** A body this small may use the part of the budget reserved for small bodies. */
export const SMALL_BODY_BYTES = 256 * 1024;

/** What a 503 for lack of memory says to wait: bodies in flight finish within seconds. */
const MEMORY_RETRY_AFTER_SECONDS = 2;
const MAX_RETRY_AFTER_SECONDS = 60;

export class Admission {
  private bytesHeld = 0;
  private bytesAdmitted = 0;
  private bodiesHeld = 0;
  private readonly roomWaiters: { bytes: number; grant: () => void }[] = [];
  private readonly shed = { memory: 0, wait: 0 };
  private readonly rate: AnswerRate;
  private inProgress = 0;

  constructor(
    private readonly settings: AdmissionSettings,
    now: () => number = Date.now,
  ) {
    this.rate = new AnswerRate(now);
  }

  /** New work's body: held now, or refused (OverloadedError) when it does not fit. */
  admitBody(bytes: number): BodyHold {
    const wanted = Math.min(bytes, this.settings.bodyBudgetBytes);
    const reserved = wanted <= SMALL_BODY_BYTES ? 0 : (this.settings.reservedForSmallBytes ?? 0);
    const limit = this.settings.bodyBudgetBytes - reserved;
    if (this.roomWaiters.length > 0 || this.bytesHeld + wanted > limit) {
      this.shed.memory += 1;
      throw new OverloadedError(
        `request bodies held would pass the body budget (${this.bytesHeld} + ${wanted} > ${limit} bytes)`,
        { retryAfterSeconds: MEMORY_RETRY_AFTER_SECONDS },
      );
    }
    return this.hold(wanted);
  }

  /** Accepted work's bytes: held as soon as they fit (first come, first served). */
  acquireBody(bytes: number): Promise<BodyHold> {
    const wanted = Math.min(bytes, this.settings.bodyBudgetBytes);
    if (this.roomWaiters.length === 0 && this.bytesHeld + wanted <= this.settings.bodyBudgetBytes) return Promise.resolve(this.hold(wanted));
    return new Promise((resolve) => this.roomWaiters.push({ bytes: wanted, grant: () => resolve(this.hold(wanted)) }));
  }

  /** Refuses (OverloadedError) a new recognition whose predicted wait is above the bound; counts nothing. */
  checkRecognition(): void {
    const predicted = this.predictedWaitMs(this.inProgress);
    if (predicted <= this.settings.maxQueueWaitMs) return;
    this.shed.wait += 1;
    const retryAfterSeconds = Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil((predicted - this.settings.maxQueueWaitMs) / 1000)));
    throw new OverloadedError(`predicted wait ${Math.round(predicted)} ms is above ${this.settings.maxQueueWaitMs} ms`, { retryAfterSeconds });
  }

  /**
   * A recognition ready for the app tier (its upload read and checked): refused as checkRecognition refuses, or in
   * progress until its ticket is released. Checked and counted in one step, so a burst is judged one by one.
   */
  admitRecognition(): RecognitionTicket {
    if (this.inProgress === 0) this.rate.idle();
    this.checkRecognition();
    this.inProgress += 1;
    let open = true;
    return {
      release: () => {
        if (!open) return;
        open = false;
        this.inProgress -= 1;
      },
    };
  }

  /** The app tier answered one request of this process. */
  observeAnswer(): void {
    this.rate.observe();
  }

  snapshot(): AdmissionSnapshot {
    const waiting = this.inProgress;
    const measured = this.rate.measured();
    return {
      bodyBudgetBytes: this.settings.bodyBudgetBytes,
      bodyBytesHeld: this.bytesHeld,
      bodyBytesAdmitted: this.bytesAdmitted,
      bodiesHeld: this.bodiesHeld,
      bodiesWaitingForRoom: this.roomWaiters.length,
      recognitionsInProgress: waiting,
      answersPerSecond: measured ?? this.settings.assumedAnswersPerSecond,
      rateMeasured: measured !== undefined,
      predictedWaitMs: Math.round(this.predictedWaitMs(waiting)),
      maxQueueWaitMs: this.settings.maxQueueWaitMs,
      shed: { ...this.shed },
    };
  }

  private predictedWaitMs(waiting: number): number {
    const perSecond = this.rate.measured() ?? this.settings.assumedAnswersPerSecond;
    return ((waiting + 1) / perSecond) * 1000;
  }

  private hold(bytes: number): BodyHold {
    this.bytesHeld += bytes;
    this.bytesAdmitted += bytes;
    this.bodiesHeld += 1;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.bytesHeld -= bytes;
        this.bodiesHeld -= 1;
        this.grantWaiters();
      },
    };
  }

  private grantWaiters(): void {
    while (this.roomWaiters.length > 0 && this.bytesHeld + this.roomWaiters[0]!.bytes <= this.settings.bodyBudgetBytes) {
      this.roomWaiters.shift()!.grant();
    }
  }
}
