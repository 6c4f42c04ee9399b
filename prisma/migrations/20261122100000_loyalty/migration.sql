-- Loyalty programme ("Gophermart"). Points are integer cents (hundredths of a point).
CREATE TABLE "loyalty_users" (
    "id" UUID NOT NULL,
    "login" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "loyalty_users_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "loyalty_users_login_key" ON "loyalty_users"("login");

-- The running balance: every credit and withdrawal updates it in the same transaction,
-- so current + withdrawn = sum(loyalty_accrual_credits.amount_cents) always holds.
CREATE TABLE "loyalty_balances" (
    "user_id" UUID NOT NULL,
    "current_cents" BIGINT NOT NULL DEFAULT 0,
    "withdrawn_cents" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "loyalty_balances_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "loyalty_balances_current_cents_check" CHECK ("current_cents" >= 0),
    CONSTRAINT "loyalty_balances_withdrawn_cents_check" CHECK ("withdrawn_cents" >= 0)
);

CREATE TABLE "loyalty_orders" (
    "number" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "accrual_cents" BIGINT,
    "uploaded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "loyalty_orders_pkey" PRIMARY KEY ("number")
);
CREATE INDEX "loyalty_orders_user_id_uploaded_at_idx" ON "loyalty_orders"("user_id", "uploaded_at");

-- Exactly-once crediting: a retried activity or replayed workflow hits this primary key.
CREATE TABLE "loyalty_accrual_credits" (
    "order_number" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "credited_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "loyalty_accrual_credits_pkey" PRIMARY KEY ("order_number")
);

CREATE TABLE "loyalty_withdrawals" (
    "order_number" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "sum_cents" BIGINT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "loyalty_withdrawals_pkey" PRIMARY KEY ("order_number")
);
CREATE INDEX "loyalty_withdrawals_user_id_processed_at_idx" ON "loyalty_withdrawals"("user_id", "processed_at");

-- The shared 429 gate, one row per accrual system.
CREATE TABLE "loyalty_accrual_gate" (
    "accrual_address" TEXT NOT NULL,
    "resume_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "loyalty_accrual_gate_pkey" PRIMARY KEY ("accrual_address")
);

CREATE TABLE "loyalty_secrets" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "loyalty_secrets_pkey" PRIMARY KEY ("name")
);
