-- A request to the accrual system is recorded while it is in flight, committed before it is sent and
-- removed in the same transaction that records its outcome. A row left behind is a request whose worker
-- died waiting for the answer (perhaps a 429): the next request closes the gate for the last pause seen.
ALTER TABLE "loyalty_accrual_gate" ADD COLUMN "last_pause_ms" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "loyalty_accrual_requests" (
    "request_id" UUID NOT NULL,
    "accrual_address" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "loyalty_accrual_requests_pkey" PRIMARY KEY ("request_id")
);

CREATE INDEX "loyalty_accrual_requests_accrual_address_idx" ON "loyalty_accrual_requests"("accrual_address");
