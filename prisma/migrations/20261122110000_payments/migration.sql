-- Payments and device sync read models (issue 5). The order workflow records every
-- transaction and device command; these rows are its projection, written once each.

-- Bill edits since the quote; orders.total_cents is the total after them.
ALTER TABLE "orders" ADD COLUMN "adjustments" JSONB NOT NULL DEFAULT '[]';

-- Payments and refunds, keyed by the client's transaction id (unique per order).
CREATE TABLE "payments" (
    "order_id" UUID NOT NULL,
    "transaction_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "refund_of" TEXT,
    "details" JSONB,
    "balance_due_after_cents" BIGINT NOT NULL,
    "actor" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "payments_pkey" PRIMARY KEY ("order_id", "transaction_id"),
    CONSTRAINT "payments_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "payments_method_idx" ON "payments"("method");

-- Every command a device sent for an order, with the result it was given (repeats get the same).
CREATE TABLE "order_commands" (
    "order_id" UUID NOT NULL,
    "device_id" TEXT NOT NULL,
    "command_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "order_commands_pkey" PRIMARY KEY ("order_id", "device_id", "command_id"),
    CONSTRAINT "order_commands_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "order_commands_order_id_device_id_seq_key" ON "order_commands"("order_id", "device_id", "seq");
