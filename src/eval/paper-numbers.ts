/**
 * The Facial-R1 paper's headline numbers (reference/method.md), in percent as printed,
 * shown beside a user's own results. GPT score is on the judge's 1..10 scale; REGE on 0..200.
 */

export const PAPER_AU_BENCHMARKS = ["disfa", "bp4d", "rafau", "faba"] as const;
export const PAPER_EMOTION_BENCHMARKS = ["fer2013", "affectnet", "rafdb", "faba"] as const;

export type PaperAuBenchmark = (typeof PAPER_AU_BENCHMARKS)[number];
export type PaperEmotionBenchmark = (typeof PAPER_EMOTION_BENCHMARKS)[number];

export interface PaperRow {
  model: string;
  /** AU F1 (%) per benchmark. */
  auF1: Record<PaperAuBenchmark, number>;
  /** Emotion accuracy (%) per benchmark. */
  accuracy: Record<PaperEmotionBenchmark, number>;
  /** FABA-Instruct REGE (0..200). */
  rege: number;
  /** FEA-20K ROUGE-L (%). */
  rougeL: number;
  /** FEA-20K GPT-4o-mini score (1..10). */
  gptScore: number;
}

export const PAPER_ROWS: readonly PaperRow[] = [
  {
    model: "Facial-R1 (paper)",
    auF1: { disfa: 73.1, bp4d: 67.4, rafau: 70.2, faba: 68.3 },
    accuracy: { fer2013: 69.8, affectnet: 65.2, rafdb: 92.1, faba: 67.8 },
    rege: 95.5,
    rougeL: 37.3,
    gptScore: 6.09,
  },
  {
    model: "Qwen2.5-VL zero-shot (paper)",
    auF1: { disfa: 22.1, bp4d: 16.9, rafau: 20.7, faba: 26.3 },
    accuracy: { fer2013: 24.3, affectnet: 32.6, rafdb: 34.3, faba: 63.0 },
    rege: 46.4,
    rougeL: 28.0,
    gptScore: 4.6,
  },
  {
    model: "GPT-4o zero-shot (paper)",
    auF1: { disfa: 56.5, bp4d: 59.5, rafau: 51.2, faba: 47.2 },
    accuracy: { fer2013: 61.1, affectnet: 48.9, rafdb: 62.7, faba: 64.2 },
    rege: 79.8,
    rougeL: 32.3,
    gptScore: 5.8,
  },
];

/** EmoLA's published FABA-Bench REGE (S_re + S_ge, each in %). */
export const EMOLA_REGE = {
  emotion: { s_re: 64.5, s_ge: 31.7, rege: 96.2 },
  au: { s_re: 56.3, s_ge: 35.2, rege: 91.5 },
} as const;
