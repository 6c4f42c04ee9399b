-- Orders read model. The workflow owns order state; these rows are its projection.
-- Order numbers are human-readable, server-assigned and strictly increasing (gaps allowed).
CREATE SEQUENCE "order_number_seq" START WITH 1001;

CREATE TABLE "orders" (
    "id" UUID NOT NULL,
    "number" BIGINT NOT NULL DEFAULT nextval('order_number_seq'),
    "workflow_id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    -- Bumped by every projection write; a write carrying an older version is ignored,
    -- so a retried or late activity can never move an order backwards.
    "version" INTEGER NOT NULL DEFAULT 0,
    "idempotency_key" TEXT,
    "request_hash" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

ALTER SEQUENCE "order_number_seq" OWNED BY "orders"."number";
CREATE UNIQUE INDEX "orders_number_key" ON "orders"("number");
CREATE UNIQUE INDEX "orders_workflow_id_key" ON "orders"("workflow_id");
CREATE UNIQUE INDEX "orders_idempotency_key_key" ON "orders"("idempotency_key");
CREATE INDEX "orders_customer_id_created_at_idx" ON "orders"("customer_id", "created_at");
CREATE INDEX "orders_status_idx" ON "orders"("status");
