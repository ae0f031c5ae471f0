/**
 * The annotated starter written by `facial-r1 loop init`: every section of a loop config with
 * its defaults spelled out. It must always validate (a test checks).
 */
export function starterLoopConfig(params: { name: string; runConfig: string }): string {
  return `# yaml-language-server: $schema=node_modules/facial-r1/schemas/loop.schema.json
# A facial-r1 loop config: \`facial-r1 loop FILE\` trains, evaluates, synthesizes and merges,
# round after round, and resumes where it stopped when run again. Relative paths resolve
# against this file's folder.

name: ${params.name}
# out: ./${params.name}                 # rounds/<k>/, loop-state.json, report/ (default: <name> next to this file)

train:
  config: ${params.runConfig}              # run config trained each round (facial-r1 config init); its datasets are replaced by the round's data
  model_from: base                     # base: every round from the run config's model | previous: from the round before's checkpoint
  poll_interval_s: 30                  # seconds between status checks of the training job

data:
  file: data/train.jsonl               # data version 1: what round 1 trains on
  images: data/images                  # image folder of the training data and of the pool

pool:
  file: data/pool.jsonl                # labelled records (AUs, labels) the round's model writes reasoning for
  per_round: 2000                      # records per round; leave out to take every record not used yet

eval:
  file: data/test.jsonl                # scored every round; pool records with its images or ids are left out
  images: data/images
  protocol: facial-r1                  # facial-r1 | standard
  judge:
    enabled: true                      # the paper's GPT score (reads OPENAI_API_KEY)
    model: gpt-4o-mini

endpoint:                              # the model that evaluates and synthesizes each round: url or serve
  serve:                               # a serving job per round, on the training backend, stopped after
    command: vllm serve "$CHECKPOINT" --served-model-name "$SERVED_MODEL" --host 0.0.0.0 --port "$PORT"
    model: facial-r1
    port: 8000
    ready_timeout_s: 900
  # url: http://gpu-host:8000/v1       # or a server you run yourself (then give model:)
  # model: facial-r1

launch:                                # as \`facial-r1 launch --config\`: backend, setup, ssh, slurm
  backend: local                       # local | ssh | slurm
  setup:
    - export TRAINER_HOME=~/Facial-R1

requests:
  concurrency: 8
  timeout_s: 120
  retries: 5
  max_tokens: 1024
  prompt: grpo                         # grpo | sft
  corrections: 5                       # synthesis: corrections after a failed quality check

stop:
  rounds: 3                            # at most; raise it and run again to continue
  metric: au.macro_f1                  # au.macro_f1 | au.micro_f1 | emotion.accuracy | rouge.rougeL | judge.mean
  # min_improvement: 0.005             # stop when the metric improves by less than this

# push:                                # after each round, to the Hugging Face Hub (HF_TOKEN)
#   dataset: {repo: my-org/fea-loop, layout: imagefolder}
#   model: {repo: my-org/facial-r1-loop}
#   revision: main                     # branch the rounds go to (round-{round}: a branch per round)
#   tag: round-{round}                 # each round's commit is tagged; false for no tags
`;
}
