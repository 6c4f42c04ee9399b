/** Request shapes of the loyalty API (the Gophermart contract): validation and types from one zod source. */
import { z } from 'zod';

export const credentialsSchema = z.object({
  login: z.string().min(1).max(255),
  password: z.string().min(1).max(1024),
});

export const withdrawSchema = z.object({
  order: z.string().min(1),
  sum: z.number().positive(),
});

export type Credentials = z.infer<typeof credentialsSchema>;
