-- An Idempotency-Key belongs to the customer who sent it: another customer may use the same
-- key for their own order, and can neither block nor discover the first one (was unique
-- across all customers).
DROP INDEX "orders_idempotency_key_key";
CREATE UNIQUE INDEX "orders_customer_id_idempotency_key_key" ON "orders"("customer_id", "idempotency_key");

-- Keys a point-of-sale device gives the orders it creates offline (`device:<device>:<local id>`,
-- src/api/sync/routes.ts) stay unique across customers: later commands find the order by that
-- key alone. POST /orders refuses keys with this prefix, so only devices write them.
CREATE UNIQUE INDEX "orders_device_idempotency_key_key" ON "orders"("idempotency_key") WHERE "idempotency_key" LIKE 'device:%';
