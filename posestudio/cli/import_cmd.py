"""``posestudio import INPUT --out SCENE``: a photo, an OpenPose JSON or a scene → a scene file.

Photo → detect (MediaPipe by default) + lift; OpenPose JSON (OpenPose, A1111 ControlNet,
DWPose; pixel or normalised coordinates) → lift; scene file → copy. Everything is checked and
computed before ``--out`` is written (atomically), so a bad input leaves no file and an existing
``--out`` untouched.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from posestudio.errors import ImportFormatError, InputError

HELP = """\
Import a pose into a new scene file:
  photo (.jpg/.png/...)   detect the people (MediaPipe, offline) and lift them into 3D mannequins;
                          the canvas is the photo's size and the camera overlays the photo, so
                          'posestudio joints' gives back photo pixels
  OpenPose JSON           (OpenPose, A1111 ControlNet, DWPose output; pixels or normalised) → lift;
                          a list of frames takes --frame N
  scene (*.pose.json)     copied (validated; --size and --person applied)
  BVH clip (.bvh)         an animated scene: the mannequin performs the clip (joints mapped by name,
                          CMU/Mixamo/Biovision...; units and rest pose detected); --start/--end
                          pick source frames S..E-1, --fps resamples (default: the clip's rate);
                          the joint map is saved in the scene (animation.bvh_map): edit it there
                          and import again with --joint-map THAT_SCENE (or a JSON {bvh: smplx})
  video (.mp4/.mov/.mkv/...)  an animated scene: the people are detected (MediaPipe, video mode),
                          tracked and lifted with a temporal fit (one body shape each, smooth,
                          occlusions filled); everyone who stays in view, or --person I (largest
                          first); --start/--end pick source frames S..E-1, --fps resamples
  keypoint sequence       a folder of per-frame OpenPose *_keypoints.json (name order), or one
                          JSON list of frames as ComfyUI's pose-keypoint nodes save it (without
                          --frame) → tracked and lifted like a video; --fps is its rate (default 30)
--person I keeps only person I (0-based, largest first for photos)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("import", help="photo / OpenPose JSON / scene → scene file (lifts 2D poses to 3D)",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", metavar="INPUT", help="photo, OpenPose JSON or scene file")
    p.add_argument("--out", required=True, metavar="SCENE", help="scene file to write (*.pose.json)")
    p.add_argument("--size", metavar="WxH",
                   help="canvas size of the new scene (default: the photo's / JSON's canvas); also the "
                        "canvas of an OpenPose JSON that does not state one")
    p.add_argument("--frame", metavar="N", help="frame of a multi-frame OpenPose JSON (0-based)")
    p.add_argument("--person", metavar="I", help="import only this person (0-based)")
    p.add_argument("--detector", default="mediapipe", metavar="mediapipe|openpose|dwpose",
                   help="photo detector (default mediapipe, built in and offline)")
    p.add_argument("--weights", metavar="DIR",
                   help="folder with the detector's weights: openpose: body_pose_model.pth "
                        "[+ hand_pose_model.pth] from lllyasviel/Annotators; dwpose: "
                        "yolox_l_8x8_300e_coco_20211126_140236-d3bd2b23.pth + dw-ll_ucoco_384.pth")
    p.add_argument("--focal-px", metavar="F", help="focal length in pixels (default: EXIF, else "
                                                    "the image diagonal)")
    p.add_argument("--max-people", default="4", metavar="N", help="most people detected (default 4)")
    p.add_argument("--shape-from-bones", action="store_true",
                   help="photo / OpenPose JSON: estimate body proportions from the bone lengths "
                        "when the keypoints are confident")
    p.add_argument("--start", metavar="S", help="first source frame of a clip (0-based)")
    p.add_argument("--end", metavar="E", help="source frame after the last one of a clip")
    p.add_argument("--fps", metavar="F", help="frame rate of the imported animation")
    p.add_argument("--fixed-camera", action="store_true",
                   help="video: take the camera as fixed (by default its turn is measured from "
                        "the background and keyed on the scene camera)")
    p.add_argument("--smoothing", metavar="S",
                   help="video / keypoint sequence: motion smoothing, × the default (1); lower "
                        "follows the keypoints more closely, higher is steadier (at most 20)")
    p.add_argument("--joint-map", metavar="FILE",
                   help="BVH joint → SMPL-X joint map: a JSON object, or a scene whose animation "
                        "holds one (default: mapped by name)")
    p.set_defaults(func=run)


def _kind_of(path: Path) -> str:
    """"photo" | "json" | "bvh" by suffix; an unknown suffix is tried as a photo."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".bvh":
        return "bvh"
    return "photo"


def _is_scene(data) -> bool:
    return isinstance(data, dict) and data.get("format") == "posestudio-scene"


def run(args: argparse.Namespace) -> int:
    from posestudio.cli.scene_args import parse_index, parse_positive, parse_size
    from posestudio.detect import DETECTORS
    from posestudio.export.atomic import check_writable_file

    # Cheap checks first: a bad argument costs no detection and writes nothing.
    size = parse_size(args.size) if args.size else None
    frame = parse_index(args.frame, "--frame")
    person = parse_index(args.person, "--person")
    focal = parse_positive("--focal-px", args.focal_px)
    max_people = parse_positive("--max-people", args.max_people, kind=int)
    if args.detector not in DETECTORS:
        raise InputError(f"--detector {args.detector!r}: choose one of {', '.join(DETECTORS)}")
    out = check_writable_file(args.out)
    source = Path(args.input)
    if not source.exists():
        raise ImportFormatError(f"{source}: no such file")
    if source.is_dir():
        return _import_sequence(source, source, out, args, size, person, focal, max_people)

    kind = _kind_of(source)
    keypoints = None
    if kind == "bvh":
        return _import_bvh(source, out, args, size)
    from posestudio.video.decode import is_video_path

    if is_video_path(source):
        return _import_sequence(source, source, out, args, size, person, focal, max_people)
    if kind == "json":
        from posestudio.lift.importer import read_json_file, import_openpose_json

        data = read_json_file(source)
        if isinstance(data, list) and len(data) > 1 and frame is None:
            return _import_sequence(source, data, out, args, size, person, focal, max_people)
        _refuse(args, SMOOTHING)
        _refuse(args, FIXED_CAMERA)
        if _is_scene(data):
            _refuse(args, SHAPE_FROM_BONES)
            scene = _copy_scene(source, person)
        else:
            scene, keypoints = import_openpose_json(data, canvas_size=size, frame=frame,
                                                    person=person, focal_px=focal,
                                                    shape_from_bones=args.shape_from_bones)
    else:
        from posestudio.lift.importer import import_photo

        _refuse(args, SMOOTHING)
        _refuse(args, FIXED_CAMERA)
        if frame not in (None, 0):
            raise InputError(f"--frame {frame}: a photo has a single frame")
        scene, keypoints = import_photo(source, detector=args.detector, weights=args.weights,
                                        max_people=max_people, person=person, focal_px=focal,
                                        shape_from_bones=args.shape_from_bones)
    if size is not None:
        from posestudio.scene.model import Canvas

        # Same vertical field of view on the new canvas: the people keep their place,
        # centred, scaled with the height.
        scene.canvas = Canvas(*size)

    from posestudio.scene.file_format import save_scene

    save_scene(scene, out)
    summary = f"wrote {args.out}: {len(scene.people)} " + ("person" if len(scene.people) == 1 else "people")
    if keypoints is not None:
        errors = ", ".join(f"{e:.1f}" for e in keypoints.reprojection_px)
        summary += (f" lifted from {source.name} ({keypoints.canvas_size[0]}x{keypoints.canvas_size[1]}"
                    f", reprojection {errors} px)")
    print(summary)
    return 0


# Options that shape one kind of import, refused elsewhere rather than silently ignored: the
# single-image lift's body proportions, a clip's temporal fit, a video's camera.
SHAPE_FROM_BONES = ("shape_from_bones", "--shape-from-bones", "a photo or a single-frame OpenPose JSON")
SMOOTHING = ("smoothing", "--smoothing", "a video or a keypoint sequence")
FIXED_CAMERA = ("fixed_camera", "--fixed-camera", "a video")


def _refuse(args: argparse.Namespace, option: tuple[str, str, str]) -> None:
    """InputError when ``option`` (attribute, flag, what it applies to) was given."""
    attribute, flag, applies = option
    if getattr(args, attribute, None) not in (None, False):
        raise InputError(f"{flag} applies to {applies}")


def _copy_scene(source: Path, person: int | None):
    from posestudio.scene.file_format import load_scene

    scene = load_scene(source)
    if person is not None:
        if person >= len(scene.people):
            raise InputError(f"--person {person}: {source} has {len(scene.people)} people (0-based index)")
        scene.people = [scene.people[person]]
    return scene


def _import_bvh(source: Path, out: Path, args: argparse.Namespace, size) -> int:
    """The BVH branch: the clip performed by the mannequin, written atomically to ``out``."""
    from posestudio.anim.bvh_import import import_bvh
    from posestudio.cli.scene_args import parse_index, parse_positive
    from posestudio.scene.file_format import save_scene
    from posestudio.scene.model import Canvas

    _refuse(args, SHAPE_FROM_BONES)
    _refuse(args, SMOOTHING)
    _refuse(args, FIXED_CAMERA)
    start = parse_index(getattr(args, "start", None), "--start")
    end = parse_index(getattr(args, "end", None), "--end")
    fps = parse_positive("--fps", getattr(args, "fps", None))
    if args.frame is not None or args.person not in (None, "0"):
        raise InputError("--frame and --person do not apply to a BVH clip (one person, every frame)")
    joint_map = None if getattr(args, "joint_map", None) is None else _read_joint_map(args.joint_map)
    scene = import_bvh(source, fps=fps, start=start, end=end, joint_map=joint_map,
                       canvas=None if size is None else Canvas(*size))
    save_scene(scene, out)
    track = scene.animation.tracks[0]
    print(f"wrote {out}: 1 person, {len(track)} frames at {scene.animation.fps:g} fps from "
          f"{source.name} ({len(scene.animation.bvh_map)} joints mapped)")
    return 0


def _import_sequence(source: Path, data, out: Path, args: argparse.Namespace, size, person,
                     focal, max_people) -> int:
    """The video / keypoint-sequence branch: tracked people lifted with the temporal fit into an
    animated scene, written atomically to ``out`` (nothing written on an error or Ctrl+C)."""
    from posestudio.cli.scene_args import parse_index, parse_positive
    from posestudio.scene.file_format import save_scene

    _refuse(args, SHAPE_FROM_BONES)
    start = parse_index(getattr(args, "start", None), "--start") or 0
    end = parse_index(getattr(args, "end", None), "--end")
    fps = parse_positive("--fps", getattr(args, "fps", None))
    smoothing = parse_positive("--smoothing", getattr(args, "smoothing", None), 20.0)
    if args.frame is not None:
        raise InputError("--frame does not apply to a video or keypoint folder (use --start/--end)")
    from posestudio.lift.temporal import TemporalSettings

    settings = None if smoothing is None else TemporalSettings().with_smoothing(smoothing)
    from posestudio.cli.export_sequence_cmd import ProgressBar

    progress = ProgressBar(label="import")      # a bar on a terminal, plain lines otherwise
    if isinstance(data, Path) and data.is_file():
        if args.detector != "mediapipe":
            raise InputError(f"--detector {args.detector}: videos are detected with mediapipe only")
        from posestudio.video.importer import import_video

        scene, report = import_video(data, start=start, end=end, fps=fps, person=person,
                                     max_people=max_people, focal_px=focal, settings=settings,
                                     camera_motion=not args.fixed_camera, progress=progress)
    else:
        from posestudio.video.importer import import_keypoint_sequence

        _refuse(args, FIXED_CAMERA)
        scene, report = import_keypoint_sequence(data,
                                                 fps=fps, start=start, end=end, person=person,
                                                 canvas_size=size, focal_px=focal,
                                                 settings=settings, where=str(source),
                                                 progress=progress)
    if size is not None:
        from posestudio.scene.model import Canvas

        scene.canvas = Canvas(*size)
    save_scene(scene, out)
    people = len(scene.people)
    errors = ", ".join(f"{e:.1f}" for e in report.reprojection_px)
    turned = (f"; the camera turned {report.camera_turn_deg:.1f}°, keyed on the scene camera"
              if scene.animation.camera_keys else "")
    print(f"wrote {out}: {people} {'person' if people == 1 else 'people'}, {report.num_frames} "
          f"frames at {report.fps:g} fps lifted from {source.name} "
          f"({report.canvas_size[0]}x{report.canvas_size[1]}, reprojection {errors} px){turned}")
    return 0


def _read_joint_map(path: str) -> dict:
    """A joint map from a JSON object file or from a scene file's ``animation.bvh_map``."""
    from posestudio.lift.importer import read_json_file
    from posestudio.scene.file_format import scene_from_dict

    data = read_json_file(Path(path))
    if _is_scene(data):
        scene = scene_from_dict(data)
        if scene.animation is None or not scene.animation.bvh_map:
            raise InputError(f"--joint-map {path}: the scene holds no BVH joint map")
        return dict(scene.animation.bvh_map)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputError(f"--joint-map {path}: expected a JSON object {{\"BVH joint\": \"smplx_joint\"}}")
    return data
