/** The accrual system's reward arithmetic: which rule matches a good, and the points an order earns. */
export interface RewardRule {
  match: string;
  reward: number;
  reward_type: '%' | 'pt';
}

export interface Good {
  description: string;
  price: number;
}

/**
 * Every good earns the reward of the first rule whose `match` occurs in its description
 * (`%` of its price, or `pt` fixed points). Returns undefined when no good matches any
 * rule: the simulator then reports the order INVALID. The raw sum is reported unrounded
 * (e.g. 729.975), as a real accrual system may, so clients must round.
 */
export function computeAccrual(rules: readonly RewardRule[], goods: readonly Good[]): number | undefined {
  let total = 0;
  let matched = false;
  for (const good of goods) {
    const rule = rules.find((r) => good.description.includes(r.match));
    if (!rule) continue;
    matched = true;
    total += rule.reward_type === '%' ? (good.price * rule.reward) / 100 : rule.reward;
  }
  return matched ? total : undefined;
}
