-- Order lifecycle read models: items, sub-orders per provider, status history, quote cache.

ALTER TABLE "orders"
    ADD COLUMN "total_cents" BIGINT,
    ADD COLUMN "outcome_reason" TEXT,
    ADD COLUMN "gate_required" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "gate_open" BOOLEAN NOT NULL DEFAULT false;

CREATE INDEX "orders_status_number_idx" ON "orders"("status", "number");

-- The customer's lines as submitted (written once at intake).
CREATE TABLE "order_items" (
    "order_id" UUID NOT NULL,
    "line_no" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unit_price_cents" BIGINT,
    CONSTRAINT "order_items_pkey" PRIMARY KEY ("order_id", "line_no"),
    CONSTRAINT "order_items_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "order_items_provider_idx" ON "order_items"("provider");

-- One per provider group of the order; `provider` changes when the workflow fails over.
CREATE TABLE "sub_orders" (
    "order_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "delayed" BOOLEAN NOT NULL DEFAULT false,
    "provider_order_id" TEXT,
    "total_cents" BIGINT NOT NULL,
    "items" JSONB NOT NULL,
    "tried_providers" TEXT[] NOT NULL,
    "note" TEXT,
    "accept_by" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "sub_orders_pkey" PRIMARY KEY ("order_id", "key"),
    CONSTRAINT "sub_orders_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "sub_orders_provider_idx" ON "sub_orders"("provider");

-- Every transition and action, in workflow order (seq), with who and why.
CREATE TABLE "order_history" (
    "order_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "from_status" TEXT,
    "to_status" TEXT,
    "reason" TEXT,
    "details" JSONB,
    CONSTRAINT "order_history_pkey" PRIMARY KEY ("order_id", "seq"),
    CONSTRAINT "order_history_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Provider quotes per (provider, cart), reused until they expire.
CREATE TABLE "provider_quotes" (
    "provider" TEXT NOT NULL,
    "cart_hash" TEXT NOT NULL,
    "quote" JSONB NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "provider_quotes_pkey" PRIMARY KEY ("provider", "cart_hash")
);
