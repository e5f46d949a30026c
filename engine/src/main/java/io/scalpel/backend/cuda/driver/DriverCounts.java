package io.scalpel.backend.cuda.driver;

/**
 * What a {@link CountingCudaDriver} saw, cumulatively: the host-side cost of driving the device.
 *
 * @param launches          kernel launches issued by the host (launches recorded into a graph under capture included)
 * @param graphLaunches     {@code cuGraphLaunch} calls
 * @param kernelsRun        kernels executed: launches outside capture plus each graph replay's kernel nodes
 * @param syncs             host waits: stream synchronisations (every device-to-host read ends in one)
 * @param hostToDevice      bytes copied host to device, graph replays included
 * @param deviceToHost      bytes copied device to host, graph replays included
 * @param hostToDeviceCopies host-to-device copy operations, graph replays included
 * @param deviceToHostCopies device-to-host copy operations, graph replays included
 * @param allocations       device allocations ({@code cuMemAlloc})
 * @param frees             device frees ({@code cuMemFree}; each also waits for the device)
 */
public record DriverCounts(long launches, long graphLaunches, long kernelsRun, long syncs, long hostToDevice, long deviceToHost,
                           long hostToDeviceCopies, long deviceToHostCopies, long allocations, long frees) {

    public static final DriverCounts ZERO = new DriverCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** This minus an earlier snapshot: what happened in between. */
    public DriverCounts since(DriverCounts earlier) {
        return new DriverCounts(launches - earlier.launches, graphLaunches - earlier.graphLaunches, kernelsRun - earlier.kernelsRun,
                syncs - earlier.syncs, hostToDevice - earlier.hostToDevice, deviceToHost - earlier.deviceToHost,
                hostToDeviceCopies - earlier.hostToDeviceCopies, deviceToHostCopies - earlier.deviceToHostCopies,
                allocations - earlier.allocations, frees - earlier.frees);
    }

    /** "launches 12, graph launches 0, kernels run 12, syncs 1, H2D 4 B in 1, D2H 4 B in 1, allocs 0, frees 0". */
    public String describe() {
        return "launches " + launches + ", graph launches " + graphLaunches + ", kernels run " + kernelsRun + ", syncs " + syncs
                + ", H2D " + hostToDevice + " B in " + hostToDeviceCopies + ", D2H " + deviceToHost + " B in " + deviceToHostCopies
                + ", allocs " + allocations + ", frees " + frees;
    }
}
