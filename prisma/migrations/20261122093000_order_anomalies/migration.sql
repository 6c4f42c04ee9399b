-- What the reconciler found and could not repair: orders whose read model and workflow
-- disagree. One open row per (workflow, kind); resolved rows keep their history.
CREATE TABLE "order_anomalies" (
    "workflow_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "order_id" UUID,
    "detail" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "resolved_at" TIMESTAMPTZ(3),
    CONSTRAINT "order_anomalies_pkey" PRIMARY KEY ("workflow_id", "kind")
);
CREATE INDEX "order_anomalies_open_idx" ON "order_anomalies"("resolved_at");
