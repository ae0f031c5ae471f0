"""The real Qwen2-VL image processor (its PIL implementation) on images of the sizes given on
stdin ([[width, height], ...]), with min_pixels / max_pixels from argv: prints the merged image
token count of each (t * h * w / merge_size**2)."""
import json
import sys

import numpy as np
from PIL import Image
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

processor = Qwen2VLImageProcessorPil(min_pixels=int(sys.argv[1]), max_pixels=int(sys.argv[2]))
out = []
for width, height in json.load(sys.stdin):
    grid = processor(images=[Image.fromarray(np.zeros((height, width, 3), dtype=np.uint8))], return_tensors="np")["image_grid_thw"][0]
    out.append(int(grid[0] * grid[1] * grid[2]) // processor.merge_size**2)
print(json.dumps(out))
