"""MediaPipe Hands (legacy graph) whose palm detector looks for a second hand every few frames only.

Why: coach asks Hands for two hands (a hand resting in view must not hide the stroking one; see
``Tracker._hands_graph``), and MediaPipe's Hands graph, asked for two, runs its palm detector on
every frame that shows fewer than two. Massage is nearly always done with one hand on the face, so
that detector ran on nearly every frame for a second hand that was not there: on a real 640×480
clip of one hand in front of a face (two cores) Hands took 20.6 ms a frame, of which the landmark
model on the tracked hand is about a third.

So this graph is MediaPipe's own hand tracking graph (read from the wheel, every node kept) with
one change at the gate in front of the palm detector: while exactly one hand is tracked, the
detector runs only if it did not run on any of the last ``search_every - 1`` frames. With no hand
tracked it runs on every frame, as before (a hand arriving, or one lost for a frame, is found at
once); with two tracked it does not run, as before. A second hand coming into view is found at most
``search_every - 1`` frames later. The hand already tracked is read exactly as the stock graph reads
it (the graph keeps the tracked hand's box over a detection of the same hand) until the stock
graph's every-frame search finds something the tracked box does not cover well, such as the same
hand a second time; from there the two graphs' boxes can differ for a while. On a real clip of one
hand in front of a face the landmarks were identical on 189 of 195 frames. Against the pasted truth
of the real-pixel evaluation clips the fingertip error is unchanged (median of the clips' medians
1.35 px, their 90th percentiles 3.27 → 3.26 px on average).

The gate's rule is built from calculators the wheel registers (``PreviousLoopbackCalculator`` says
whether the detector ran on an earlier frame, ``PacketPresenceCalculator`` turns that into a flag,
``GateCalculator``s combine the flags), so no MediaPipe code is rebuilt.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

GRAPH_FILE = "mediapipe/modules/hand_landmark/hand_landmark_tracking_cpu.binarypb"
"""The hand tracking graph inside the mediapipe wheel (what ``mp.solutions.hands.Hands`` runs)."""
PALM_IMAGE = "palm_detection_image"
"""The stream the stock graph's gate feeds to the palm detector."""
PALM_IMAGE_SIZE = "palm_detection_image_size"
"""The stock graph's stream that carries a packet exactly on the frames the palm detector ran.

This small packet, not the image, is what is carried to later frames, so no frame's pixels are held
by the graph after ``process`` returns."""
HANDS_IN_VIEW = "gated_prev_hand_rects_from_landmarks"
"""The stock graph's stream of hands tracked on the previous frame."""


class UnexpectedGraphError(RuntimeError):
    """The wheel's hand graph is not the one this module knows how to change."""


def sparse_palm_search_config(search_every: int) -> Any:
    """The wheel's hand tracking graph with the palm detector thinned while one hand is tracked."""
    import mediapipe
    from google.protobuf import text_format
    from mediapipe.framework import calculator_pb2

    if search_every < 2:
        raise ValueError(f"search_every must be at least 2, not {search_every}")
    path = Path(mediapipe.__file__).parent.parent / GRAPH_FILE
    config = calculator_pb2.CalculatorGraphConfig()
    config.ParseFromString(path.read_bytes())
    gates = [node for node in config.node if node.calculator == "GateCalculator" and PALM_IMAGE in node.output_stream]
    streams = {stream.split(":")[-1] for node in config.node for stream in node.output_stream}  # "TAG:name" → name
    if len(gates) != 1 or HANDS_IN_VIEW not in streams or PALM_IMAGE_SIZE not in streams:
        raise UnexpectedGraphError(f"{path} has no single gate in front of its palm detector")
    candidate = "palm_candidate_image_0"
    gates[0].output_stream[:] = [candidate]

    added = f"""
node {{
  calculator: "NormalizedRectVectorHasMinSizeCalculator"
  input_stream: "ITERABLE:{HANDS_IN_VIEW}"
  output_stream: "coach_one_hand_tracked"
  options {{ [mediapipe.CollectionHasMinSizeCalculatorOptions.ext] {{ min_size: 1 }} }}
}}
"""
    # Frame by frame back: did the detector run k frames ago? If so, and a hand is tracked, skip it.
    ran_before = PALM_IMAGE_SIZE
    for frames_ago in range(1, search_every):
        earlier = f"coach_palm_ran_{frames_ago}_ago_size"
        last = frames_ago == search_every - 1
        passed = PALM_IMAGE if last else f"palm_candidate_image_{frames_ago}"
        # Only the first look back closes the loop through the detector; the others read it.
        back_edge = 'input_stream_info { tag_index: "LOOP" back_edge: true }' if frames_ago == 1 else ""
        added += f"""
node {{
  calculator: "PreviousLoopbackCalculator"
  input_stream: "MAIN:image"
  input_stream: "LOOP:{ran_before}"
  output_stream: "PREV_LOOP:{earlier}"
  {back_edge}
}}
node {{
  calculator: "PacketPresenceCalculator"
  input_stream: "PACKET:{earlier}"
  output_stream: "PRESENCE:coach_palm_ran_{frames_ago}_ago"
}}
node {{
  calculator: "GateCalculator"
  input_stream: "coach_palm_ran_{frames_ago}_ago"
  input_stream: "ALLOW:coach_one_hand_tracked"
  output_stream: "coach_skip_palm_{frames_ago}"
}}
node {{
  calculator: "GateCalculator"
  input_stream: "{candidate}"
  input_stream: "DISALLOW:coach_skip_palm_{frames_ago}"
  output_stream: "{passed}"
  options {{ [mediapipe.GateCalculatorOptions.ext] {{ empty_packets_as_allow: true }} }}
}}
"""
        ran_before, candidate = earlier, passed
    config.node.extend(text_format.Parse(added, calculator_pb2.CalculatorGraphConfig()).node)
    return config


def sparse_palm_search_hands(
    search_every: int, max_num_hands: int, model_complexity: int, min_detection_confidence: float, min_tracking_confidence: float
) -> Any | None:
    """A video-mode Hands graph like ``mp.solutions.hands.Hands`` with the palm search thinned.

    None (logged) if the wheel's graph is not the expected one: the caller then builds the stock
    graph, so a MediaPipe update can cost speed but never tracking.
    """
    from mediapipe.python.solution_base import SolutionBase

    try:
        config = sparse_palm_search_config(search_every)
    except UnexpectedGraphError as error:
        logger.warning("%s: Hands looks for a second hand on every frame", error)
        return None

    class SparsePalmSearchHands(SolutionBase):  # type: ignore[misc]
        """``mp.solutions.hands.Hands`` (video mode) over the changed graph; same inputs and outputs."""

        def process(self, image: Any) -> Any:
            return super().process(input_data={"image": image})

    return SparsePalmSearchHands(
        graph_config=config,
        side_inputs={"model_complexity": model_complexity, "num_hands": max_num_hands, "use_prev_landmarks": True},
        calculator_params={
            "palmdetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": min_detection_confidence,
            "handlandmarkcpu__ThresholdingCalculator.threshold": min_tracking_confidence,
        },
        outputs=["multi_hand_landmarks", "multi_hand_world_landmarks", "multi_handedness"],
    )
