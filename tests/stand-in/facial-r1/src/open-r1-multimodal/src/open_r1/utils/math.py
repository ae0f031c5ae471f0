"""Stand-in for open_r1/utils/math.py (math answer checking; unused by the Facial-R1 rewards).
The fork imports it as open_r1.utils.math."""


def compute_score(solution_str, ground_truth):
    return 1.0 if solution_str.strip() == ground_truth.strip() else 0.0
