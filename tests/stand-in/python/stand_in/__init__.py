"""The CPU training loops behind the stand-in trainers (no model, no GPU): they take the data
and the reward functions exactly as the real trainers hand them over and write what the real
Trainer writes (checkpoint-N/, trainer_state.json)."""
