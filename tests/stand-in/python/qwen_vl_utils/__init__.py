"""Stand-in for qwen_vl_utils.process_vision_info: every {"type": "image", "image": "file://..."}
part of the messages is opened (a missing or non-image file fails, as PIL would)."""
from stand_in.grpo import open_image


def process_vision_info(messages):
    images = []
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for part in content:
            if isinstance(part, dict) and part.get("type") == "image":
                path = part["image"]
                path = path[len("file://"):] if path.startswith("file://") else path
                open_image(path)
                images.append(path)
    return images or None, None
