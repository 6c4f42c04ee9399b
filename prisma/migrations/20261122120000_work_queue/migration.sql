-- The operators' work queue: one row per assignment of an order to an operator.
-- The queue itself is not stored: it is the orders that need a human (src/domain/ops/queue.ts)
-- minus those with an active assignment.
CREATE TABLE "queue_assignments" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "operator" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "renewed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "lease_until" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "queue_assignments_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "queue_assignments_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "queue_assignments_state_check" CHECK ("state" IN ('active', 'done', 'released', 'expired')),
    CONSTRAINT "queue_assignments_finished_check" CHECK (("state" = 'active') = ("finished_at" IS NULL))
);

-- An order is never held by two operators: at most one active assignment per order,
-- whatever the application code does.
CREATE UNIQUE INDEX "queue_assignments_one_active_per_order" ON "queue_assignments"("order_id") WHERE "state" = 'active';
CREATE INDEX "queue_assignments_operator_state_idx" ON "queue_assignments"("operator", "state");
CREATE INDEX "queue_assignments_order_id_finished_at_idx" ON "queue_assignments"("order_id", "finished_at");
CREATE INDEX "orders_status_updated_at_idx" ON "orders"("status", "updated_at");
