#include "config.h"

#include "nfsd.h"

int main(int argc, char **argv)
{
	return nfsd_run(argc, argv);
}
