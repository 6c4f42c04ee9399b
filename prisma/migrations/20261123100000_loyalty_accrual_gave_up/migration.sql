-- When the accrual workflow stopped polling an order the accrual system never registered
-- (after ACCRUAL_UNREGISTERED_HORIZON_MS). Start-up recovery skips such orders; uploading
-- the number again clears it and polls again.
ALTER TABLE "loyalty_orders" ADD COLUMN "accrual_gave_up_at" TIMESTAMPTZ(3);
