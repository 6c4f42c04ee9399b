/**
 * Custom search attributes: how operators filter orders in the Temporal Web UI.
 * Declared once; the dev-server launcher and the worker's start-up check derive
 * their registrations from this list.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const OrderStatus = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const CustomerId = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const Providers = defineSearchAttributeKey('Providers', SearchAttributeType.KEYWORD_LIST);
export const OrderNumber = defineSearchAttributeKey('OrderNumber', SearchAttributeType.INT);

export const allSearchAttributes = [OrderStatus, CustomerId, Providers, OrderNumber] as const;
